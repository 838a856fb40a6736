import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classGap, gapSignificance, spuriousGap, valImagesForSignificance } from '../../src/core/gap';
import type { ClassRanking, SplitRanking } from '../../src/core/spuriosity';

/** A validation ranking from per-image scores (image index = position in `scores` + offset). */
function ranking(cls: number, scores: number[], offset = 0): ClassRanking {
  const idx = scores.map((_, j) => j + offset);
  idx.sort((a, b) => (scores[a - offset] - scores[b - offset]) || (a - b));
  const val: SplitRanking = { cls, split: 'val', order: Int32Array.from(idx), scores: Float32Array.from(idx.map((i) => scores[i - offset])), zeroSigma: [] };
  const train: SplitRanking = { cls, split: 'train', order: new Int32Array(0), scores: new Float32Array(0), zeroSigma: [] };
  return { cls, features: [0], train, val };
}

test('the high set is the k LARGEST scores (ascending [:k] would pick the low end and give gap 0)', () => {
  // Scores 0..5 on images 0..5; only images 4 and 5 (highest) are correct.
  const r = ranking(0, [0, 1, 2, 3, 4, 5]);
  const correct = Uint8Array.from([0, 0, 0, 0, 1, 1]);
  const g = classGap(r.val, correct, 2)!;
  assert.equal(g.accHigh, 1);
  assert.equal(g.accLow, 0);
  assert.equal(g.gap, 1);
  assert.equal(g.negative, false);
});

test('ties at either end go to the lower image index', () => {
  // Scores: images 0,1,2 tie at 0; images 3,4,5 tie at 1. k = 2: low set {0, 1}, high set {3, 4}.
  const r = ranking(0, [0, 0, 0, 1, 1, 1]);
  const correct = Uint8Array.from([1, 1, 0, 1, 0, 0]);
  const g = classGap(r.val, correct, 2)!;
  assert.equal(g.accLow, 1); // images 0, 1
  assert.equal(g.accHigh, 0.5); // images 3, 4 (not 4, 5 which reversing the ascending order would give)
  assert.equal(g.gap, -0.5);
  assert.equal(g.negative, true);
});

test('k is capped at half a small class; a class of one image is excluded with a reason, not counted as zero', () => {
  const a = ranking(0, [3, 1, 2], 0); // 3 images -> k = 1: low image 1, high image 0
  const b = ranking(1, [0], 3);
  const correct = Uint8Array.from([1, 0, 1, 1]);
  const s = spuriousGap([a, null, b], correct, { k: 10, bootstrap: 0 });
  assert.equal(s.classes.length, 1);
  assert.equal(s.classes[0].k, 1);
  assert.equal(s.classes[0].gap, 1);
  assert.equal(s.mean, 1);
  assert.deepEqual(s.excluded.map((e) => e.cls), [1]);
  assert.match(s.excluded[0].reason, /at least 2/);
  assert.equal(s.meanCi, undefined);
});

test('mean is over classes, not pooled over images', () => {
  // Class 0 (4 images, k=2): gap 1. Class 1 (2 images, k=1): gap -1. Class mean 0; pooling would give (2-1... ) != 0.
  const a = ranking(0, [0, 1, 2, 3], 0);
  const b = ranking(1, [0, 1], 4);
  const correct = Uint8Array.from([0, 0, 1, 1, 1, 0]);
  const s = spuriousGap([a, b], correct, { k: 2, bootstrap: 0 });
  assert.deepEqual(s.classes.map((g) => g.gap), [1, -1]);
  assert.equal(s.mean, 0);
  assert.equal(s.negativeShare, 0.5);
});

test('bootstrap intervals are deterministic for a seed, vary with it, and bracket the point estimate here', () => {
  const scores = Array.from({ length: 20 }, (_, j) => (j * 7) % 20);
  const correct = Uint8Array.from(scores.map((s) => (s >= 8 ? 1 : s % 3 === 0 ? 1 : 0)));
  const r = [ranking(0, scores), null];
  const s1 = spuriousGap(r, correct, { k: 5, bootstrap: 300, seed: 42 });
  const s2 = spuriousGap(r, correct, { k: 5, bootstrap: 300, seed: 42 });
  assert.deepEqual(s1.classes[0].ci, s2.classes[0].ci);
  assert.deepEqual(s1.meanCi, s2.meanCi);
  // Intervals are coarse (steps of 1/k), so look for a difference across several seeds rather than one.
  const others = [1, 2, 3, 4, 5, 6].map((seed) => JSON.stringify(spuriousGap(r, correct, { k: 5, bootstrap: 50, seed }).meanCi));
  assert.ok(new Set(others).size > 1, 'different seeds should give different resamples');
  const [lo, hi] = s1.meanCi!;
  assert.ok(lo <= s1.mean && s1.mean <= hi, `${lo} <= ${s1.mean} <= ${hi}`);
  assert.ok(lo < hi);
});

test('bootstrap intervals stay inside [-1, 1] at the extremes (a normal approximation would pass +100 points)', () => {
  // 20 images, the 10 highest all correct, the 10 lowest all wrong: gap +1, the largest possible.
  const scores = Array.from({ length: 20 }, (_, j) => j);
  const correct = Uint8Array.from(scores.map((s) => (s >= 10 ? 1 : 0)));
  const flipped = Uint8Array.from(correct, (c) => 1 - c);
  for (const c of [correct, flipped]) {
    const g = spuriousGap([ranking(0, scores)], c, { k: 10, bootstrap: 500, seed: 3 });
    const [lo, hi] = g.classes[0].ci!;
    assert.ok(lo >= -1 && hi <= 1, `[${lo}, ${hi}] inside [-1, 1]`);
    assert.ok(lo <= g.classes[0].gap && g.classes[0].gap <= hi);
    assert.ok(g.meanCi![0] >= -1 && g.meanCi![1] <= 1);
  }
});

test('a gap is a finding only when its interval excludes 0', () => {
  assert.equal(gapSignificance(-0.3, -0.01), 'negative');
  assert.equal(gapSignificance(0.05, 0.4), 'positive');
  assert.equal(gapSignificance(-0.3, 0), 'not-significant', 'an interval touching 0 does not exclude it');
  assert.equal(gapSignificance(-0.1, 0.2), 'not-significant');
});

test('validation images needed: the interval half-width shrinks as 1/sqrt(n) until it is below |gap|', () => {
  // -10 points with [-30, 0] on 50 images (the weak class): half-width 15 = 1.5x the gap, so more than
  // 50 x 2.25 = 112.5 images; the side toward 0 (10 points) would have said 51.
  assert.equal(valImagesForSignificance(50, -0.1, -0.3, 0), 113);
  // +5 with [-10, +20] on 50: half-width 15 points = 3x the gap; 9x the images is the boundary, so one more.
  assert.equal(valImagesForSignificance(50, 0.05, -0.1, 0.2), 451);
  // a symmetric interval: +10 with [-2, +22] on 40: half-width 12, more than 40 x 1.44 = 57.6 images
  assert.equal(valImagesForSignificance(40, 0.1, -0.02, 0.22), 58);
  // an end clamped at +100 understates the width: the side toward 0 (80 - -10 = 90 points) counts instead of 55
  assert.equal(valImagesForSignificance(10, 0.8, -0.1, 1), Math.floor(10 * (0.9 / 0.8) ** 2) + 1);
  assert.equal(valImagesForSignificance(50, 0.2, 0.1, 0.3), 50, 'already significant: the images it has');
  assert.equal(valImagesForSignificance(50, 0, -0.1, 0.1), null, 'no gap to detect');
  assert.equal(valImagesForSignificance(0, -0.1, -0.3, 0), null);
  // the claim itself: at n' the interval, narrowed by sqrt(n / n'), excludes 0; one image fewer it would not
  for (const [n, gap, lo, hi] of [[50, -0.1, -0.3, 0], [50, 0.05, -0.1, 0.2], [23, 0.07, -0.05, 0.21]] as const) {
    const need = valImagesForSignificance(n, gap, lo, hi)!;
    const h = (hi - lo) / 2;
    assert.ok(h * Math.sqrt(n / need) < Math.abs(gap), `${need} images settle ${gap} in [${lo}, ${hi}]`);
    assert.ok(h * Math.sqrt(n / (need - 1)) >= Math.abs(gap) - 1e-12, `${need - 1} images would not`);
  }
});
