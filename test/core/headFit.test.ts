import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitHead } from '../../src/core/headFit';
import { softmaxCrossEntropy } from '../../src/core/softmaxLoss';
import { predict } from '../../src/core/linalg';
import { mulberry32 } from '../../src/core/random';
import type { Matrix } from '../../src/core/types';
import { headOf } from './helpers';

function randomMatrix(seed: number, rows: number, cols: number, scale = 1): Matrix {
  const rng = mulberry32(seed);
  return { rows, cols, data: Float32Array.from({ length: rows * cols }, () => (rng.next() - 0.5) * 2 * scale) };
}

test('softmax cross-entropy gradient matches central finite differences (weights and bias, with L2)', () => {
  const X = randomMatrix(3, 6, 4);
  const labels = Int32Array.from([0, 1, 2, 1, 0, 2]);
  const rng = mulberry32(9);
  const H = headOf([0, 1, 2].map(() => [0, 1, 2, 3].map(() => rng.next() - 0.5)), [0.1, -0.1, 0.2]);
  const rows = [0, 1, 2, 3, 5];
  const l2 = 0.3;
  const { gradW, gradB } = softmaxCrossEntropy(X, labels, H, rows, l2);
  const eps = 1e-2;
  const lossAt = (): number => softmaxCrossEntropy(X, labels, H, rows, l2).loss;
  for (let i = 0; i < H.weight.length; i++) {
    const w = H.weight[i];
    H.weight[i] = w + eps; const up = lossAt();
    H.weight[i] = w - eps; const down = lossAt();
    H.weight[i] = w;
    const fd = (up - down) / (2 * eps);
    assert.ok(Math.abs(fd - gradW[i]) < 2e-4, `dW[${i}]: analytic ${gradW[i]} vs finite difference ${fd}`);
  }
  for (let c = 0; c < 3; c++) {
    const b = H.bias[c];
    H.bias[c] = b + eps; const up = lossAt();
    H.bias[c] = b - eps; const down = lossAt();
    H.bias[c] = b;
    assert.ok(Math.abs((up - down) / (2 * eps) - gradB[c]) < 2e-4, `dB[${c}]`);
  }
});

test('fitHead: loss decreases monotonically and a linearly separable problem is fitted to 100%', () => {
  // Three well-separated clusters in 5-D with an offset and uneven scales, so standardisation matters.
  const rng = mulberry32(5);
  const n = 90, D = 5;
  const centers = [[3, 0, 0, 0, 100], [0, 3, 0, 0, 100], [0, 0, 3, 0, 100]];
  const data = new Float32Array(n * D);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 3;
    labels[i] = c;
    for (let d = 0; d < D; d++) data[i * D + d] = centers[c][d] * (d === 1 ? 50 : 1) + (rng.next() - 0.5) * (d === 1 ? 50 : 1);
  }
  const X: Matrix = { rows: n, cols: D, data };
  const rows = Int32Array.from({ length: n }, (_, i) => i);
  const fit = fitHead(X, labels, 3, rows, { l2: 1e-4, maxIter: 100 });
  for (let i = 1; i < fit.losses.length; i++) assert.ok(fit.losses[i] <= fit.losses[i - 1] + 1e-12, `loss rose at iteration ${i}`);
  assert.ok(fit.losses[fit.losses.length - 1] < 0.1 * fit.losses[0]);
  const pred = predict(X, fit.head);
  assert.deepEqual(Array.from(pred), Array.from(labels));
  // Deterministic: a second fit gives the same head.
  const again = fitHead(X, labels, 3, rows, { l2: 1e-4, maxIter: 100 });
  assert.deepEqual(again.head.weight, fit.head.weight);
});

test('fitHead rejects labels outside the class range with the valid range', () => {
  const X = randomMatrix(1, 2, 2);
  assert.throws(() => fitHead(X, Int32Array.from([0, 3]), 2, [0, 1]), /label 3; valid labels are 0..1/);
});
