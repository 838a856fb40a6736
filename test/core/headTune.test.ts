import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LBFGS_DEFAULTS, pullPath, resolveLbfgsSchedule, tuneHeadLbfgs, tuningStats } from '../../src/core/headTune';
import { checkPresetKnobs, mitigate, resolveSchedule, type HeadEvaluation } from '../../src/core/mitigate';
import { fitHead } from '../../src/core/headFit';
import { softmaxCrossEntropy } from '../../src/core/softmaxLoss';
import { predict } from '../../src/core/linalg';
import { mulberry32 } from '../../src/core/random';
import type { LinearHead, Matrix } from '../../src/core/types';
import { headOf, mat } from './helpers';

const never: () => HeadEvaluation = () => ({ meanGap: 1, valAccuracy: 0.5 });
const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

/** Root of an increasing function on [lo, hi] by bisection. */
function bisect(f: (x: number) => number, lo: number, hi: number): number {
  for (let i = 0; i < 200; i++) { const m = (lo + hi) / 2; if (f(m) < 0) lo = m; else hi = m; }
  return (lo + hi) / 2;
}

test('L-BFGS tuning: a separable two-class problem reaches the known optimum of loss + pull', async () => {
  // x = +1 (class 1) or -1 (class 0), equally many: standardised features are the same (mean 0, sd 1). From a zero
  // head, symmetry gives W' = [-w, w], b = 0, and the objective log(1 + e^{-2w}) + (l2 / 2) 2 w² is minimal where
  // l2 w (1 + e^{2w}) = 1.
  const X = mat([[1], [-1], [1], [-1]]);
  const y = Int32Array.from([1, 0, 1, 0]);
  const zero = headOf([[0], [0]]);
  for (const l2Pull of [1, 0.1, 0.01]) {
    const r = await mitigate(X, y, zero, all(4), never, { l2Pull, threshold: -1 });
    const w = bisect((v) => l2Pull * v * (1 + Math.exp(2 * v)) - 1, 0, 50);
    assert.equal(r.stoppedBecause, 'converged');
    assert.ok(Math.abs(r.head.weight[1] - w) < 1e-4 && Math.abs(r.head.weight[0] + w) < 1e-4, `l2Pull ${l2Pull}: w ${Array.from(r.head.weight)} vs ±${w}`);
    assert.ok(Math.abs(r.head.bias[0]) < 1e-5 && Math.abs(r.head.bias[1]) < 1e-5);
    assert.deepEqual(Array.from(predict(X, r.head)), [1, 0, 1, 0]);
  }
});

test('L-BFGS tuning: a head that is already optimal for the tuning set stays where it is', async () => {
  // Overlapping classes, so cross-entropy has a finite minimiser; fitHead finds it (no penalty to speak of).
  const r = mulberry32(3);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 60; i++) { const c = i % 3; labels.push(c); rows.push([c + 1.5 * (r.next() - 0.5) * 2, 3 * r.next(), 10 + r.next()]); }
  const X = mat(rows);
  const y = Int32Array.from(labels);
  const best = fitHead(X, y, 3, all(60), { l2: 1e-12, maxIter: 2000, gradTol: 1e-9 }).head;
  const g = softmaxCrossEntropy(X, y, best, all(60));
  assert.ok(Math.max(...g.gradW.map(Math.abs)) < 1e-4, 'fitHead found the optimum');
  const t = await mitigate(X, y, best, all(60), never, { threshold: -1 });
  assert.equal(t.stoppedBecause, 'converged');
  assert.ok((t.after.steps ?? 0) <= 5, `few iterations (${t.after.steps})`);
  for (let i = 0; i < best.weight.length; i++) assert.ok(Math.abs(t.head.weight[i] - best.weight[i]) < 1e-3 * Math.max(1, Math.abs(best.weight[i])), `weight ${i}`);
});

test('L-BFGS tuning: a one-class tuning set moves only the biases, to the known finite optimum', async () => {
  // Standardised features have mean 0 over the tuning set, so at W' = W0' = 0 the weight gradient vanishes for any
  // bias: the optimum keeps W = 0 and sets b = [β, -β] with sigmoid(2β) - 1 + l2 β = 0. Without the pull on the
  // biases this problem has no minimiser.
  const X = mat([[0.3, 2], [1.1, -1], [-0.4, 0.5], [2.0, 0.1]]);
  const y = Int32Array.from([0, 0, 0, 0]);
  const l2Pull = 0.05;
  const r = await mitigate(X, y, headOf([[0, 0], [0, 0]]), all(4), never, { l2Pull, threshold: -1 });
  const beta = bisect((b) => 1 / (1 + Math.exp(-2 * b)) - 1 + l2Pull * b, 0, 100);
  assert.equal(r.stoppedBecause, 'converged');
  assert.ok(r.head.weight.every((w) => Math.abs(w) < 1e-4), `weights ${Array.from(r.head.weight)}`);
  assert.ok(Math.abs(r.head.bias[0] - beta) < 1e-3 && Math.abs(r.head.bias[1] + beta) < 1e-3, `bias ${Array.from(r.head.bias)} vs ±${beta}`);
});

test('L-BFGS tuning: the feature scale does not change the tuned predictions (standardised internally)', async () => {
  const r = mulberry32(9);
  const rows = Array.from({ length: 40 }, (_, i) => [((i % 2) * 2 - 1) + r.next(), r.next() * 3]);
  const y = Int32Array.from({ length: 40 }, (_, i) => i % 2);
  const head = headOf([[0.2, 0.1], [-0.1, 0.3]], [0.1, 0]);
  const a = await mitigate(mat(rows), y, head, all(40), never, { threshold: -1, maxIter: 50 });
  const scaled: Matrix = mat(rows.map((x) => x.map((v) => 1000 * v)));
  const headScaled: LinearHead = { ...head, weight: head.weight.map((w) => w / 1000) };
  const b = await mitigate(scaled, y, headScaled, all(40), never, { threshold: -1, maxIter: 50 });
  assert.equal(a.after.steps, b.after.steps);
  assert.deepEqual(Array.from(predict(mat(rows), a.head)), Array.from(predict(scaled, b.head)));
  for (let i = 0; i < a.head.weight.length; i++) assert.ok(Math.abs(a.head.weight[i] - 1000 * b.head.weight[i]) < 1e-3 * Math.max(1, Math.abs(a.head.weight[i])));
});

test('L-BFGS tuning: the rounds follow the pull path, and the first round whose gap bound is below the threshold stops it', async () => {
  const X = mat([[1], [-1], [1], [-1]]);
  const y = Int32Array.from([1, 0, 1, 0]);
  const gaps = [0.3, 0.2, 0.04, 0.01];
  let calls = 0;
  const seen: number[] = [];
  const r = await mitigate(X, y, headOf([[0], [0]]), all(4), () => ({ meanGap: gaps[Math.min(calls++, gaps.length - 1)], valAccuracy: 0.9 }), {
    pullStart: 1, l2Pull: 1e-3, onEpoch: (rec) => { seen.push(rec.epoch); },
  });
  assert.equal(r.stoppedBecause, 'below-threshold');
  assert.deepEqual(r.history.map((h) => h.epoch), [0, 1, 2]);
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(r.after.meanGap, 0.04);
  assert.ok(r.schedule.optimizer === 'lbfgs' && r.schedule.pulls.length === 7, 'two pulls a decade from 1 to 1e-3');
  // each round is the optimum at its pull (known in closed form here: l2 w (1 + e^{2w}) = 1), warm-started from the last
  const w2 = bisect((v) => (10 ** -0.5) * v * (1 + Math.exp(2 * v)) - 1, 0, 50);
  assert.ok(Math.abs(r.head.weight[1] - w2) < 1e-3, `round 2's head is the optimum at pull 10^-0.5 (${r.head.weight[1]} vs ${w2})`);
});

test('L-BFGS tuning: a gap just under the threshold with a wide interval does not stop it (the early stop asks for the bound)', async () => {
  const X = mat([[1], [-1], [1], [-1]]);
  const y = Int32Array.from([1, 0, 1, 0]);
  const noisy = await mitigate(X, y, headOf([[0], [0]]), all(4), () => ({ meanGap: 0.03, meanGapSe: 0.05, valAccuracy: 0.9 }), { pullStart: 1, l2Pull: 0.1 });
  assert.equal(noisy.stoppedBecause, 'converged');
  assert.equal(noisy.history.length, 4);
  const sure = await mitigate(X, y, headOf([[0], [0]]), all(4), () => ({ meanGap: 0.03, meanGapSe: 0.01, valAccuracy: 0.9 }), { pullStart: 1, l2Pull: 0.1 });
  assert.equal(sure.stoppedBecause, 'below-threshold');
  assert.equal(sure.history.length, 1, 'already below: the head is left alone');
});

test('L-BFGS tuning: a round that costs more than maxAccuracyDrop ends it with the round before', async () => {
  const X = mat([[1], [-1], [1], [-1]]);
  const y = Int32Array.from([1, 0, 1, 0]);
  const acc = [0.9, 0.91, 0.895, 0.85, 0.95];
  let calls = 0;
  const r = await mitigate(X, y, headOf([[0], [0]]), all(4), () => ({ meanGap: 0.3, valAccuracy: acc[Math.min(calls++, acc.length - 1)] }), { pullStart: 1, l2Pull: 1e-3 });
  assert.equal(r.stoppedBecause, 'accuracy-guard');
  assert.deepEqual(r.history.map((h) => h.valAccuracy), [0.9, 0.91, 0.895, 0.85], 'the failing round is in the history');
  assert.equal(r.after.epoch, 2);
  assert.equal(r.after.valAccuracy, 0.895, 'the head returned is the round before');
  const w2 = bisect((v) => (10 ** -0.5) * v * (1 + Math.exp(2 * v)) - 1, 0, 50);
  assert.ok(Math.abs(r.head.weight[1] - w2) < 1e-3, `the returned head is round 2's optimum (${r.head.weight[1]} vs ${w2})`);
  const off = await mitigate(X, y, headOf([[0], [0]]), all(4), () => ({ meanGap: 0.3, valAccuracy: 0.5 + 0.1 * ((calls++) % 2) }), { pullStart: 1, l2Pull: 1e-3, maxAccuracyDrop: 1 });
  assert.equal(off.stoppedBecause, 'converged');
});

test('L-BFGS tuning: maxIter stops it, an abort stops it between loss evaluations, a gap already below the threshold leaves the head alone', async () => {
  const r = mulberry32(5);
  const X = mat(Array.from({ length: 30 }, () => [r.next(), r.next(), r.next()]));
  const y = Int32Array.from({ length: 30 }, (_, i) => i % 3);
  const head = headOf([[0, 0, 0], [0, 0, 0], [0, 0, 0]]);
  const capped = await mitigate(X, y, head, all(30), never, { maxIter: 3, pullStart: 0, l2Pull: 0, maxAccuracyDrop: 1 });
  assert.equal(capped.stoppedBecause, 'max-iterations');
  assert.deepEqual(capped.history.map((h) => h.steps), [0, 3]);
  const signal = { aborted: false };
  let evals = 0;
  const lossGrad = (h: LinearHead) => { if (++evals === 4) signal.aborted = true; return softmaxCrossEntropy(X, y, h, all(30)); };
  const ab = await tuneHeadLbfgs(head, tuningStats(X, all(30)), lossGrad, never, { signal, maxAccuracyDrop: 1 });
  assert.equal(ab.stoppedBecause, 'aborted');
  assert.equal(ab.history.length, 2, 'the partly tuned head is evaluated');
  assert.ok((ab.after.steps ?? 0) >= 1);
  const done = await mitigate(X, y, head, all(30), () => ({ meanGap: 0.01, valAccuracy: 1 }));
  assert.equal(done.stoppedBecause, 'below-threshold');
  assert.deepEqual(done.head.weight, head.weight);
  assert.notEqual(done.head.weight, head.weight);
});

test('presets: knobs of the other recipe are refused by name; the L-BFGS knobs are validated; the pull path', () => {
  assert.equal(checkPresetKnobs({}), 'lbfgs');
  assert.throws(() => checkPresetKnobs({ lr: 0.1 }), /lr applies to the SGD presets/);
  assert.throws(() => checkPresetKnobs({ preset: 'scaled', l2Pull: 0.1, maxIter: 3 }), /l2Pull, maxIter apply to the 'lbfgs' preset, not to 'scaled'/);
  assert.throws(() => checkPresetKnobs({ preset: 'fast' as never }), /preset must be lbfgs, scaled or authors/);
  assert.throws(() => resolveLbfgsSchedule({ l2Pull: -1 }), /l2Pull must be a finite number >= 0/);
  assert.throws(() => resolveLbfgsSchedule({ maxIter: 0 }), /maxIter must be an integer from 1 to 100000/);
  assert.throws(() => resolveLbfgsSchedule({ maxAccuracyDrop: 2 }), /maxAccuracyDrop must be a fraction from 0 to 1/);
  assert.throws(() => resolveLbfgsSchedule({ l2Pull: 0, pullStart: 1 }), /l2Pull must be > 0 when pullStart is above it/);
  const d = resolveLbfgsSchedule({});
  assert.deepEqual({ ...d, pulls: undefined }, { optimizer: 'lbfgs', ...LBFGS_DEFAULTS, pulls: undefined, epochs: 7 });
  assert.deepEqual(d.pulls.map((p) => Number(p.toPrecision(3))), [0.1, 0.0316, 0.01, 0.00316, 0.001, 0.000316, 0.0001]);
  assert.deepEqual(pullPath(0, 1e-4), [1e-4]);
  assert.deepEqual(pullPath(1e-3, 1e-3), [1e-3]);
  assert.equal(resolveLbfgsSchedule({ l2Pull: 1 }).pulls.length, 1, 'a final pull above the default start is one round');
});

test('scaled preset: a step budget past the epoch cap is reported as capped, not silently cut', () => {
  const X = mat([[1, 0], [0, 1], [1, 1], [0, 0]]);
  const imgs = Int32Array.from({ length: 200 }, (_, i) => i % 4);
  const s = resolveSchedule(X, imgs, { preset: 'scaled', steps: 30000 });
  assert.equal(s.epochs, 200);
  assert.equal(s.stepsRequested, 30000);
  assert.equal(s.capped, true);
  assert.equal(resolveSchedule(X, imgs, { preset: 'scaled' }).capped, false);
  assert.throws(() => resolveSchedule(X, imgs, { preset: 'scaled', lr: -1 }), /lr must be a positive number/);
  assert.throws(() => resolveSchedule(X, imgs, { preset: 'scaled', momentum: 1 }), /momentum must be in \[0, 1\)/);
});

test('L-BFGS tuning: standardised over statsRows, a feature nearly constant on the tuning set keeps its weight (the cue of a cue-free tuning set)', async () => {
  // Feature 1 is a cue: ~0 on the 40 cue-free tuning images, ~5 on the 40 others. Standardised over the tuning set alone
  // its sd is ~1e-3, so a small move of the standardised weight is a huge move of the raw one; over all rows it is held.
  const r = mulberry32(11);
  const rows: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 80; i++) { const c = i % 2; labels.push(c); rows.push([(c * 2 - 1) * 0.5 + r.next() - 0.5, i < 40 ? 1e-3 * r.next() : 5 + r.next()]); }
  const X = mat(rows);
  const y = Int32Array.from(labels);
  const head = headOf([[-0.2, 1], [0.2, -1]]);
  const tuning = all(40);
  const opts = { threshold: -1, maxAccuracyDrop: 1 };
  const alone = await mitigate(X, y, head, tuning, never, opts);
  const held = await mitigate(X, y, head, tuning, never, { ...opts, statsRows: all(80) });
  const moved = (h: LinearHead) => Math.abs(h.weight[1] - head.weight[1]) + Math.abs(h.weight[3] - head.weight[3]);
  assert.ok(moved(held.head) < 0.5, `cue weight moved ${moved(held.head)} with all rows`);
  assert.ok(moved(alone.head) > 10 * moved(held.head), `tuning-set stats move it more (${moved(alone.head)} vs ${moved(held.head)})`);
});
