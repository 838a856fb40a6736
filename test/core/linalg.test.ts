import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argmaxRows, headLogits, predict, softmaxRows } from '../../src/core/linalg';
import { mulberry32 } from '../../src/core/random';
import { close, headOf, mat } from './helpers';

test('headLogits matches a naive product, including the non-multiple-of-4 tail and a row subset', () => {
  const rng = mulberry32(1);
  const n = 7, D = 5, C = 3;
  const X = Array.from({ length: n }, () => Array.from({ length: D }, () => rng.next() - 0.5));
  const W = Array.from({ length: C }, () => Array.from({ length: D }, () => rng.next() - 0.5));
  const b = [0.1, -0.2, 0.3];
  const L = headLogits(mat(X), headOf(W, b));
  for (let i = 0; i < n; i++) for (let c = 0; c < C; c++) {
    const want = X[i].reduce((s, x, d) => s + x * W[c][d], b[c]);
    assert.ok(close(L.data[i * C + c], want, 1e-5), `logit ${i},${c}`);
  }
  const sub = headLogits(mat(X), headOf(W, b), [6, 2]);
  assert.equal(sub.rows, 2);
  assert.equal(sub.data[0], L.data[6 * C]);
  assert.equal(sub.data[C + 1], L.data[2 * C + 1]);
});

test('argmax takes the lowest index among ties; softmax rows sum to 1 and survive large logits', () => {
  assert.deepEqual(Array.from(argmaxRows(mat([[1, 3, 3], [5, 5, 0]]))), [1, 0]);
  const s = softmaxRows(mat([[1000, 1000], [0, Math.log(3)]]));
  assert.ok(close(s.data[0], 0.5) && close(s.data[1], 0.5));
  assert.ok(close(s.data[2], 0.25, 1e-6) && close(s.data[3], 0.75, 1e-6));
});

test('headLogits rejects a head of the wrong dimension with a message naming both sizes', () => {
  assert.throws(() => headLogits(mat([[1, 2]]), headOf([[1, 2, 3]])), /2 columns but the head expects 3/);
});

test('predict chunks agree with argmax of the full logits', () => {
  const X = mat([[1, 0], [0, 1], [2, 2], [-1, 0], [0, -3]]);
  const H = headOf([[1, 0], [0, 1], [-1, -1]]);
  assert.deepEqual(Array.from(predict(X, H)), [0, 1, 0, 2, 2]);
});
