import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mitigate, resolveSchedule, type HeadEvaluation } from '../../src/core/mitigate';
import { selectTuningSet } from '../../src/core/tuningSet';
import { gapEvaluator } from '../../src/core/gapEvaluator';
import { buildClassIndex } from '../../src/core/classIndex';
import { computeSpuriosity } from '../../src/core/spuriosity';
import { predict } from '../../src/core/linalg';
import { mulberry32 } from '../../src/core/random';
import type { Matrix } from '../../src/core/types';
import { headOf, mat } from './helpers';

const tiny = mat([[1, 0], [0, 1], [1, 1], [0, 0]]);
const tinyLabels = Int32Array.from([0, 1, 0, 1]);
const tinyHead = headOf([[1, 0], [0, 1]]);

/** An evaluate callback that replays a scripted series of gaps. */
function scripted(gaps: number[]): (h: unknown) => HeadEvaluation {
  let i = 0;
  return () => ({ meanGap: gaps[Math.min(i++, gaps.length - 1)], valAccuracy: 0.9 });
}

test('stops after the first epoch whose mean gap is below the threshold', async () => {
  const r = await mitigate(tiny, tinyLabels, tinyHead, Int32Array.from([0, 1, 2, 3]), scripted([0.2, 0.12, 0.049, 0.01]), { preset: 'scaled', maxEpochs: 10 });
  assert.equal(r.stoppedBecause, 'below-threshold');
  assert.deepEqual(r.history.map((h) => h.epoch), [0, 1, 2]);
  assert.equal(r.before.meanGap, 0.2);
  assert.equal(r.after.meanGap, 0.049);
  assert.ok(Number.isFinite(r.history[1].trainLoss));
});

test('runs every epoch when the gap stays high, and does not tune when it starts below the threshold', async () => {
  const r = await mitigate(tiny, tinyLabels, tinyHead, Int32Array.from([0, 1]), scripted([0.3]), { preset: 'scaled', maxEpochs: 4, threshold: 0.1 });
  assert.equal(r.stoppedBecause, 'max-epochs');
  assert.equal(r.history.length, 5);
  const z = await mitigate(tiny, tinyLabels, tinyHead, Int32Array.from([0, 1]), scripted([0.01]));
  assert.equal(z.stoppedBecause, 'below-threshold');
  assert.equal(z.history.length, 1);
  assert.deepEqual(z.head.weight, tinyHead.weight);
  assert.notEqual(z.head.weight, tinyHead.weight); // a copy: the caller's head is never mutated
});

test('an abort between steps stops tuning and evaluates the partly tuned head', async () => {
  const signal = { aborted: false };
  let yields = 0;
  const r = await mitigate(tiny, tinyLabels, tinyHead, Int32Array.from([0, 1, 2, 3]), scripted([0.3]), {
    preset: 'scaled', maxEpochs: 10, batch: 1, signal, yieldEvery: 1,
    yieldFn: async () => { if (++yields === 5) signal.aborted = true; },
  });
  assert.equal(r.stoppedBecause, 'aborted');
  // Four steps an epoch: the fifth yield falls in epoch 2, so epochs 0 and 1 were recorded, then the partial epoch.
  assert.deepEqual(r.history.map((h) => h.epoch), [0, 1, 2]);
});

test('schedule: the authors preset is literal; the scaled default derives epochs from a step budget', () => {
  const imgs = Int32Array.from({ length: 200 }, (_, i) => i % 4);
  const a = resolveSchedule(tiny, imgs, { preset: 'authors' });
  assert.deepEqual([a.lr, a.batch, a.epochs, a.stepsPerEpoch], [0.001, 128, 20, 2]);
  const s = resolveSchedule(tiny, imgs, { preset: 'scaled' });
  assert.equal(s.batch, 25);
  assert.equal(s.stepsPerEpoch, 8);
  assert.equal(s.epochs, 38); // ceil(300 / 8)
  // mean ||x||² over rows 0..3 repeated = (1 + 1 + 2 + 0) / 4 = 1 -> lr = 0.1 / 2.
  assert.ok(Math.abs(s.lr - 0.05) < 1e-12);
});

test('tuning sets: low takes the k lowest, error takes misclassified images then pads with correct ones', () => {
  const X = mat([[5], [1], [3], [2], [4], [0]]);
  const labels = Int32Array.from([0, 0, 0, 0, 0, 1]);
  const index = buildClassIndex(labels, new Uint8Array(6), 2);
  const st = computeSpuriosity(X, index, [[0], []]);
  assert.deepEqual(Array.from(selectTuningSet(st.rankings, index, { method: 'low-spuriosity', k: 2 })), [1, 3]);
  const predictions = Int32Array.from([1, 0, 0, 0, 0, 1]); // image 0 misclassified
  const err = Array.from(selectTuningSet(st.rankings, index, { method: 'error', k: 3, predictions, seed: 1 }));
  assert.equal(err.length, 3);
  assert.equal(err[0], 0);
  assert.equal(new Set(err).size, 3);
  assert.deepEqual(Array.from(selectTuningSet(st.rankings, index, { method: 'random', k: 99 })).sort(), [0, 1, 2, 3, 4]);
  assert.equal(selectTuningSet(st.rankings, index, { method: 'low-spuriosity', k: 2, includeOtherClasses: true }).length, 3);
});

test('low-spuriosity tuning shrinks the gap of a head that leans on spurious cues (L-BFGS default and the scaled SGD preset)', async () => {
  // Features [core, cue0, cue1]. Class 0 images usually show cue0, class 1 images cue1; the head reads only cues.
  const rng = mulberry32(11);
  const n = 400, D = 3;
  const data = new Float32Array(n * D);
  const labels = new Int32Array(n);
  const split = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % 2;
    labels[i] = c;
    split[i] = i < 240 ? 0 : 1;
    const cue = rng.next() < 0.7 ? 1 : 0;
    data[i * D] = (c === 0 ? 1 : -1) + (rng.next() - 0.5);
    data[i * D + 1 + c] = cue * 2 + (rng.next() - 0.5) * 0.2;
    data[i * D + 2 - c] = (rng.next() - 0.5) * 0.2;
  }
  const X: Matrix = { rows: n, cols: D, data };
  const head = headOf([[0.05, 2, -2], [-0.05, -2, 2]]);
  const index = buildClassIndex(labels, split, 2);
  const st = computeSpuriosity(X, index, [[1], [2]]);
  const tuning = selectTuningSet(st.rankings, index, { method: 'low-spuriosity', k: 40 });
  const evaluate = gapEvaluator(X, labels, index, st.rankings, 10);
  for (const preset of ['lbfgs', 'scaled'] as const) {
    const r = await mitigate(X, labels, head, tuning, evaluate, { preset, seed: 3 });
    assert.ok(r.before.meanGap > 0.3, `starting gap ${r.before.meanGap}`);
    assert.ok(r.after.meanGap < r.before.meanGap - 0.2, `${preset}: gap ${r.before.meanGap} -> ${r.after.meanGap}`);
    assert.equal(predict(X, r.head).length, n);
  }
});
