import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClassIndex } from '../../src/core/classIndex';
import { computeSpuriosity } from '../../src/core/spuriosity';
import { findCollisions } from '../../src/core/collisions';
import { highestSpuriosity } from '../../src/core/gap';
import { featureGaps } from '../../src/core/featureGap';
import { mat } from './helpers';

// Class 0 (images 0-3, val) has spurious feature 1, which is core for class 1 and a top feature of class 2.
const X = mat([[0, 1], [0, 2], [0, 3], [0, 4], [5, 5], [5, 5]]);
const labels = Int32Array.from([0, 0, 0, 0, 1, 2]);
const split = Uint8Array.from([1, 1, 1, 1, 1, 1]);
const index = buildClassIndex(labels, split, 3);
const st = computeSpuriosity(X, index, [[1], [], []]);

test('a spurious feature of c1 that is core (annotated or top) for c2 is reported with c1 -> c2 confusion rates', () => {
  // Image 3 (highest spuriosity) and image 2 are predicted as class 1; image 0 as class 2.
  const predictions = Int32Array.from([2, 0, 1, 1, 1, 2]);
  const col = findCollisions({
    spurious: [[1], [], []], core: [[0], [1], []], topFeatures: [[0, 1], [1], [1, 0]],
    rankings: st.rankings, predictions, index, topK: 2,
  });
  assert.deepEqual(col.map((c) => [c.spuriousClass, c.feature, c.coreClass, c.evidence]), [[0, 1, 1, 'annotated-core'], [0, 1, 2, 'top-feature']]);
  assert.equal(col[0].confusion, 0.5);
  assert.equal(col[0].confusionTop, 1); // top-2 spuriosity images are 3 and 2
  assert.equal(col[1].confusion, 0.25);
  assert.equal(col[1].confusionTop, 0);
});

test('no collision when the other class labels the feature spurious too, or only c1 holds it', () => {
  const col = findCollisions({
    spurious: [[1], [1], []], core: [[], [], []], topFeatures: [[1], [1], []],
    rankings: st.rankings, predictions: new Int32Array(6), index,
  });
  assert.deepEqual(col, []);
});

test('feature gaps: top-k vs bottom-k along one feature, capped at half the class, with training fallback', () => {
  const correct = Uint8Array.from([0, 0, 1, 1, 1, 1]);
  const [g] = featureGaps(X, correct, index, [{ cls: 0, feature: 1 }], { k: 25, minVal: 2, topN: 3 });
  assert.equal(g.split, 'val');
  assert.equal(g.k, 2);
  assert.equal(g.accHigh, 1);
  assert.equal(g.accLow, 0);
  assert.equal(g.gap, 1);
  assert.deepEqual(g.topImages, [3, 2, 1]); // no training images: the validation images are shown
  const [h] = featureGaps(X, correct, index, [{ cls: 0, feature: 1 }], { minVal: 10 });
  assert.equal(h.split, 'train');
  assert.equal(h.n, 0);
  assert.ok(Number.isNaN(h.gap));
});

test('feature gaps break ties at both ends toward the lower image index', () => {
  // Class 0 val images 0-5 with feature 0 values [1, 1, 1, 2, 2, 2]; k = 2: high {3, 4}, low {0, 1}.
  const Y = mat([[1], [1], [1], [2], [2], [2]]);
  const idx = buildClassIndex(new Int32Array(6), Uint8Array.from([1, 1, 1, 1, 1, 1]), 1);
  const correct = Uint8Array.from([1, 0, 0, 1, 1, 0]);
  const [g] = featureGaps(Y, correct, idx, [{ cls: 0, feature: 0 }], { k: 2, minVal: 1 });
  assert.equal(g.accHigh, 1);
  assert.equal(g.accLow, 0.5);
});

test('highestSpuriosity: largest scores first, ties to the lower image index, k clipped to the ranking', () => {
  // ascending order as computeSpuriosity gives it: images 7 and 2 tie at 0.5, images 9 and 4 tie at 2
  const r = { cls: 0, split: 'val' as const, order: Int32Array.from([5, 2, 7, 4, 9]), scores: Float32Array.from([0, 0.5, 0.5, 2, 2]), zeroSigma: [] };
  assert.deepEqual(highestSpuriosity(r, 3), [4, 9, 2]);
  assert.deepEqual(highestSpuriosity(r, 10), [4, 9, 2, 7, 5]);
  assert.deepEqual(highestSpuriosity(r, 0), []);
});
