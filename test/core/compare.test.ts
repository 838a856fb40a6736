import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classwiseCorrelation, correlationMatrix, effectiveRobustness, fitLine, fitThroughOrigin, gapVariance, sampleVariance,
} from '../../src/core/compare';

const close = (a: number, b: number, eps = 1e-9) => assert.ok(Math.abs(a - b) <= eps, `${a} is not within ${eps} of ${b}`);

test('correlation skips classes either model has no gap for (never reads them as 0)', () => {
  // Shared classes 0..2: a = [1, 2, 3], b = [2, 4, 7]. Means 2 and 13/3; deviations [-1, 0, 1] and [-7/3, -1/3, 8/3];
  // Σab = 7/3 + 8/3 = 5, Σaa = 2, Σbb = (49 + 1 + 64) / 9 = 114/9; r = 5 / sqrt(2 · 114/9) = 0.99340.
  const p = classwiseCorrelation([1, 2, 3, NaN], [2, 4, 7, 5]);
  assert.equal(p.n, 3);
  close(p.r, 5 / Math.sqrt(228 / 9));
  close(p.r, 0.993399, 1e-6);
  // Reading the missing class as 0 would give a different r: the test can tell the two apart.
  assert.ok(Math.abs(classwiseCorrelation([1, 2, 3, 0], [2, 4, 7, 5]).r - p.r) > 0.1);
});

test('a constant series or too few shared classes gives NaN, not 0', () => {
  assert.ok(Number.isNaN(classwiseCorrelation([5, 5, 5], [1, 2, 3]).r));
  const two = classwiseCorrelation([1, 2, NaN], [3, 1, 2]);
  assert.equal(two.n, 2);
  assert.ok(Number.isNaN(two.r));
  assert.throws(() => classwiseCorrelation([1, 2], [1, 2, 3]), /same classes/);
});

test('correlation matrix: symmetric, 1 on the diagonal, shared counts, mean over defined pairs', () => {
  const m = correlationMatrix([[1, 2, 3, NaN], [2, 4, 7, 5], [3, 2, 1, 0]]);
  close(m.r[0][1], 5 / Math.sqrt(228 / 9));
  close(m.r[0][2], -1); // [1, 2, 3] vs [3, 2, 1]
  // All four classes: deviations [-2.5, -0.5, 2.5, 0.5] and [1.5, 0.5, -0.5, -1.5]; Σab = -6, Σaa = 13, Σbb = 5.
  close(m.r[1][2], -6 / Math.sqrt(65));
  close(m.r[2][1], m.r[1][2]);
  assert.deepEqual(m.r.map((row, i) => row[i]), [1, 1, 1]);
  assert.deepEqual(m.shared, [[3, 3, 3], [3, 4, 4], [3, 4, 4]]);
  close(m.meanPairwise, (5 / Math.sqrt(228 / 9) - 1 - 6 / Math.sqrt(65)) / 3);
  assert.equal(m.definedPairs, 3);
  // One undefined pair is left out of the mean, not counted as 0.
  const u = correlationMatrix([[1, 2, 3], [4, 4, 4], [1, 3, 2]]);
  assert.ok(Number.isNaN(u.r[0][1]));
  assert.equal(u.definedPairs, 1);
  close(u.meanPairwise, 0.5); // [1, 2, 3] vs [1, 3, 2]: Σab = 1, Σaa = Σbb = 2
  assert.throws(() => correlationMatrix([[1, 2, 3]]), /at least 2 models, got 1/);
});

test('variance across classes vs across models on the classes every model has', () => {
  // Shared classes 0..2 (class 3 is missing for model 0). Across classes: var[10, 20, 30] = 100, var[14, 18, 34] = 112,
  // mean 106. Across models: var[10, 14] = 8, var[20, 18] = 2, var[30, 34] = 8, mean 6. Ratio 106 / 6.
  const v = gapVariance([[10, 20, 30, NaN], [14, 18, 34, 5]]);
  assert.deepEqual(v.classes, [0, 1, 2]);
  close(v.acrossClasses, 106);
  close(v.acrossModels, 6);
  close(v.ratio, 106 / 6);
  close(sampleVariance([10, 14]), 8);
  assert.throws(() => gapVariance([[1, NaN, 3], [2, 5, NaN]]), /at least 2 classes that every model has a gap for, got 1 of 3/);
  assert.throws(() => gapVariance([[1, 2, 3]]), /at least 2 models/);
  assert.throws(() => gapVariance([[1, 2, 3], [1, 2]]), /model 0 has 3, model 1 has 2/);
  assert.equal(gapVariance([[1, 2], [1, 2]]).ratio, Infinity);
});

test('effective robustness against acc_low = beta · acc_high through the origin', () => {
  // Σxy = 80·40 + 90·50 + 100·70 = 14700, Σx² = 6400 + 8100 + 10000 = 24500, beta = 0.6.
  // Predictions 48, 54, 60; ER = 40 - 48, 50 - 54, 70 - 60 = -8, -4, 10.
  // R²: mean y = 160/3, SS_tot = 1400/3, SS_res = 64 + 16 + 100 = 180, R² = 1 - 540/1400.
  const e = effectiveRobustness([80, 90, 100], [40, 50, 70]);
  close(e.fit.beta, 0.6);
  e.predicted.forEach((p, i) => close(p, [48, 54, 60][i]));
  e.er.forEach((p, i) => close(p, [-8, -4, 10][i]));
  close(e.fit.r2, 1 - 540 / 1400);
  // Fractions give the same beta (the fit is scale-free) and ER in the same unit as the inputs.
  close(effectiveRobustness([0.8, 0.9, 1], [0.4, 0.5, 0.7]).er[2], 0.1);
});

test('the intercept fit for reference, and fit errors', () => {
  // mean x = 90, mean y = 160/3; Σ(dx·dy) = (-10)(-40/3) + 10·(50/3) = 300, Σdx² = 200: slope 1.5, intercept 160/3 - 135.
  // Residuals 5/3, -10/3, 5/3: SS_res = 50/3, R² = 1 - 50/1400.
  const f = fitLine([80, 90, 100], [40, 50, 70]);
  close(f.slope, 1.5);
  close(f.intercept, 160 / 3 - 135);
  close(f.r2, 1 - 50 / 1400);
  assert.throws(() => fitLine([70, 70], [40, 50]), /same x/);
  assert.throws(() => fitThroughOrigin([0, 0], [10, 20]), /every x is 0/);
  assert.throws(() => fitThroughOrigin([90], [50]), /at least 2 models, got 1/);
  assert.throws(() => fitThroughOrigin([90, NaN], [50, 40]), /model 1 has a non-finite/);
});
