import { test } from 'node:test';
import assert from 'node:assert/strict';
import { maskMean, maxMask, removeCoreOverlap, softMask } from '../../src/core/sensitivityMask';
import { accuracyFor, scoreRows, sensitivityImageCount, sensitivityOutcome, topActivating } from '../../src/core/sensitivity';
import type { LinearHead } from '../../src/core/types';

const near = (a: ArrayLike<number>, b: number[], eps = 1e-6): void => {
  assert.equal(a.length, b.length);
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i] - b[i]) < eps, `at ${i}: ${a[i]} vs ${b[i]}`);
};

test('softMask: divide by max, upsample bilinearly, clamp negatives to 0', () => {
  near(softMask(Float32Array.from([0, 4]), 1, 2, 1, 4), [0, 0.25, 0.75, 1]);
  near(softMask(Float32Array.from([-4, 4]), 1, 2, 1, 2), [0, 1]);
});

test('maxMask and removeCoreOverlap: m * (1 - max of core masks)', () => {
  const core = maxMask([Float32Array.from([0, 1, 0.2]), Float32Array.from([0, 0.5, 0.5])])!;
  near(core, [0, 1, 0.5]);
  near(removeCoreOverlap(Float32Array.from([1, 0.5, 0.8]), core), [1, 0, 0.4]);
  near(removeCoreOverlap(Float32Array.from([0.3]), null), [0.3]);
  assert.equal(maxMask([]), null);
  near([maskMean(Float32Array.from([1, 0, 0.5, 0.5]))], [0.5]);
});

test('sensitivityImageCount: 65 by default, capped; top percent rounds up, at least 1', () => {
  assert.equal(sensitivityImageCount(200, {}), 65);
  assert.equal(sensitivityImageCount(30, {}), 30);
  assert.equal(sensitivityImageCount(200, { topPercent: 5 }), 10);
  assert.equal(sensitivityImageCount(10, { topPercent: 5 }), 1);
  assert.equal(sensitivityImageCount(0, { topPercent: 5 }), 0);
  assert.throws(() => sensitivityImageCount(10, { topPercent: 0 }), /top percent/);
});

test('topActivating: highest r_i first among the candidates, ties by row', () => {
  const features = { rows: 5, cols: 2, data: Float32Array.from([9, 1, 0, 3, 5, 3, 9, 7, 0, 2]) };
  assert.deepEqual(topActivating(features, [1, 2, 3, 4], 1, 3), [3, 1, 2]);
  assert.deepEqual(topActivating(features, [1, 2, 3, 4], 0, 2), [3, 2]);
  assert.throws(() => topActivating(features, [0], 2, 1), /out of range/);
});

test('sensitivity on a stub classifier: clean minus corrupted accuracy, probability drop, flips', () => {
  // Identity head over 2 features: the larger feature wins.
  const head: LinearHead = { classes: 2, dim: 2, weight: Float32Array.from([1, 0, 0, 1]), bias: new Float32Array(2) };
  const clean = scoreRows({ rows: 3, cols: 2, data: Float32Array.from([2, 0, 3, 0, 0, 1]) }, head, 0);
  const corrupted = scoreRows({ rows: 3, cols: 2, data: Float32Array.from([0, 1, 3, 0, 0, 1]) }, head, 0);
  assert.deepEqual(Array.from(clean.predictions), [0, 0, 1]);
  assert.equal(accuracyFor(clean.predictions, 0), 2 / 3);
  const o = sensitivityOutcome(clean, corrupted, 0);
  assert.equal(o.accuracy, 1 / 3);
  assert.ok(Math.abs(o.sensitivity - 1 / 3) < 1e-9);
  assert.equal(o.flipped, 1);
  // only row 0 moves: p0 from e^2/(e^2+1) to 1/(1+e)
  const drop = (Math.exp(2) / (Math.exp(2) + 1) - 1 / (1 + Math.E)) / 3;
  assert.ok(Math.abs(o.probabilityDrop - drop) < 1e-6, `${o.probabilityDrop} vs ${drop}`);
});
