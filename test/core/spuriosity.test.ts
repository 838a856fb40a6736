import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildClassIndex } from '../../src/core/classIndex';
import { computeSpuriosity, rerankClass } from '../../src/core/spuriosity';
import { close, mat } from './helpers';

// Class 0: images 0-3 val, 4-5 train. Class 1: images 6-7 val. Features: [f0, f1, f2].
const X = mat([
  [1, 7, 0], [2, 7, 5], [3, 7, 1], [4, 7, 9],
  [10, 1, 0], [20, 3, 0],
  [5, 5, 5], [6, 6, 6],
]);
const labels = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1]);
const split = Uint8Array.from([1, 1, 1, 1, 0, 0, 1, 1]);
const index = buildClassIndex(labels, split, 2);

test('z-scores use population std within the class and split; a sigma = 0 feature contributes 0 and is reported', () => {
  const st = computeSpuriosity(X, index, [[0, 1], []]);
  const r = st.rankings[0]!;
  // f0 over val images 1..4: mean 2.5, population std sqrt(1.25); f1 is constant 7 -> 0; average over |S| = 2.
  const z = [1, 2, 3, 4].map((v) => (v - 2.5) / Math.sqrt(1.25) / 2);
  assert.deepEqual(Array.from(r.val.order), [0, 1, 2, 3]);
  r.val.scores.forEach((s, j) => assert.ok(close(s, z[j], 1e-6), `score ${j}`));
  assert.deepEqual(r.val.zeroSigma, [1]);
  // Training split is z-scored on its own images: f0 in {10, 20} -> -1, +1; f1 in {1, 3} -> -1, +1; average.
  assert.deepEqual(Array.from(r.train.order), [4, 5]);
  assert.deepEqual(Array.from(r.train.scores), [-1, 1]);
  assert.deepEqual(r.train.zeroSigma, []);
  assert.ok(close(st.scores[0], z[0], 1e-6));
  // Class 1 has no spurious feature: no ranking, NaN scores.
  assert.equal(st.rankings[1], null);
  assert.ok(Number.isNaN(st.scores[6]));
});

test('rankings sort ascending with ties broken by the lower image index', () => {
  // f2 over class 0 val images: [0, 5, 1, 9] -> order 0, 2, 1, 3. Make a tie: rank by f1 only (all 7): every score 0.
  const st = computeSpuriosity(X, index, [[1], []]);
  assert.deepEqual(Array.from(st.rankings[0]!.val.order), [0, 1, 2, 3]);
  rerankClass(st, 0, [2]);
  assert.deepEqual(Array.from(st.rankings[0]!.val.order), [0, 2, 1, 3]);
});

test('rerankClass touches only the changed class and can remove a ranking', () => {
  const st = computeSpuriosity(X, index, [[0], [2]]);
  const before1 = st.rankings[1];
  const scores1 = [st.scores[6], st.scores[7]];
  rerankClass(st, 0, [2, 2]);
  assert.deepEqual(st.rankings[0]!.features, [2]);
  assert.equal(st.rankings[1], before1);
  assert.deepEqual([st.scores[6], st.scores[7]], scores1);
  rerankClass(st, 0, []);
  assert.equal(st.rankings[0], null);
  assert.ok(Number.isNaN(st.scores[0]) && Number.isNaN(st.scores[4]));
  assert.throws(() => rerankClass(st, 0, [3]), /spurious feature 3 of class 0 is out of range 0..2/);
});
