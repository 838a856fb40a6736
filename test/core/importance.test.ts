import { test } from 'node:test';
import assert from 'node:assert/strict';
import { featureImportance, topKIndices } from '../../src/core/importance';
import { headOf, mat } from './helpers';

test('top-k is descending with ties broken by the lower feature index', () => {
  assert.deepEqual(topKIndices([1, 5, 3, 5, 3, 0], 4), [1, 3, 2, 4]);
});

// Two classes, 3 features. Head rows: class 0 weights [1, 2, -1], class 1 weights [0, 1, 3].
const H = headOf([[1, 2, -1], [0, 1, 3]], [0, 0]);

test('importance averages r_i(x) * w[c][i] over training images predicted as c', () => {
  // Images: 0 and 1 are train and predicted 0 (explicit predictions), 2 is val (ignored), 3 train predicted 1.
  const X = mat([[2, 1, 0], [4, 3, 2], [100, 100, 100], [1, 1, 1]]);
  const out = featureImportance({
    features: X, head: H, labels: Int32Array.from([0, 1, 0, 1]), split: Uint8Array.from([0, 0, 1, 0]),
    predictions: Int32Array.from([0, 0, 0, 1]), k: 2,
  });
  // Class 0: mean feature over images 0,1 = [3, 2, 1]; times [1, 2, -1] = [3, 4, -1].
  assert.deepEqual(Array.from(out[0].importance), [3, 4, -1]);
  assert.deepEqual(out[0].top, [1, 0]);
  assert.deepEqual(out[0].topImportance, [4, 3]);
  assert.equal(out[0].groupSize, 2);
  // Class 1: image 3 only: [1, 1, 1] * [0, 1, 3] = [0, 1, 3].
  assert.deepEqual(out[1].top, [2, 1]);
});

test("'correct' grouping uses images of c classified as c; an empty group gives no features and a reason", () => {
  const X = mat([[2, 1, 0], [4, 3, 2], [1, 1, 1]]);
  const out = featureImportance({
    features: X, head: H, labels: Int32Array.from([0, 1, 1]), split: Uint8Array.from([0, 0, 0]),
    predictions: Int32Array.from([0, 0, 0]), grouping: 'correct',
  });
  assert.equal(out[0].groupSize, 1); // only image 0 is a correctly classified class-0 image
  assert.deepEqual(Array.from(out[0].importance), [2, 2, -0]);
  assert.deepEqual(out[1].top, []);
  assert.match(out[1].reason ?? '', /classified correctly/);
});

test('k outside 1..15 is rejected with the valid range', () => {
  const args = { features: mat([[1, 1, 1]]), head: H, labels: Int32Array.from([0]), split: Uint8Array.from([0]) };
  assert.throws(() => featureImportance({ ...args, k: 0 }), /from 1 to 15, got 0/);
  assert.throws(() => featureImportance({ ...args, k: 16 }), /got 16/);
  assert.equal(featureImportance({ ...args, k: 15 })[1].top.length, 3); // [1,1,1] is predicted as class 1
});
