// The default fine-tuner of section 4.3: the head's tuning problem solved properly instead of by SGD steps. Fitting a
// linear head is convex, so full-batch L-BFGS (core/lbfgs) from the original head needs no step size, no batch and no
// epoch count; an L2 pull toward the original head keeps the solution near it and the problem strictly convex (a
// finite optimum even on a separable or one-class tuning set). Features are standardised over the tuning set, so the
// pull and the tolerances mean the same for any backbone's feature scale, and the loss is a mean, so they mean the
// same for 30 tuning images and for 35,700.
// The rounds are a regularisation path, not optimiser iterations: round r solves the problem at pull
// pullStart * (l2Pull / pullStart)^(r / R), two rounds a decade, each warm-started from the last, so every round's
// head is an optimum (what it is does not depend on how the optimiser got there) and each moves further from the
// original head. After every round the validation gap and accuracy are checked: the paper's early stop (mean gap below
// the threshold) is kept but asks for the gap's one-sided 95% upper bound, so a gap estimated from a few classes of
// 10 images cannot stop it on noise (with hundreds of classes the bound is the mean); and a round that costs more
// than maxAccuracyDrop of validation accuracy against the original head ends tuning with the round before it.
import type { LinearHead, Matrix } from './types';
import { isRowReader, type RowReader } from './featureRows';
import { lbfgs, type ValueGrad } from './lbfgs';
import type { EpochRecord, HeadEvaluation, MitigateResult, LbfgsSchedule } from './mitigate';

/** Mean softmax cross-entropy over the tuning set and its gradient, for a head on raw features (no penalty). */
export type TuningLossGrad = (head: LinearHead) => { loss: number; gradW: Float32Array; gradB: Float32Array }
  | Promise<{ loss: number; gradW: Float32Array; gradB: Float32Array }>;

/** The L-BFGS fine-tuner's knobs (MitigateOptions carries them). */
export interface LbfgsTuneOptions {
  /** The path's last (weakest) pull toward the original head, on standardised features (default LBFGS_DEFAULTS.l2Pull). */
  l2Pull?: number;
  /** The path's first (strongest) pull (default LBFGS_DEFAULTS.pullStart); at or below l2Pull the path is one round at l2Pull. */
  pullStart?: number;
  /** L-BFGS iterations at most, over all rounds (default LBFGS_DEFAULTS.maxIter). */
  maxIter?: number;
  /** A round has converged once the largest entry of the (standardised) gradient is below this (default LBFGS_DEFAULTS.gradTol). */
  gradTol?: number;
  /** A round whose validation accuracy is more than this fraction below the original head's ends tuning with the round before (default 0.01; 1 turns it off). */
  maxAccuracyDrop?: number;
}

/** Defaults of the L-BFGS fine-tuner, chosen on the tuning members of the mitigation benchmark family (BENCHMARKS.md). */
export const LBFGS_DEFAULTS = Object.freeze({ l2Pull: 1e-4, pullStart: 0.1, maxIter: 2000, gradTol: 1e-5, maxAccuracyDrop: 0.01 });

/** z of the one-sided 95% bound the early stop asks to be below the threshold. */
export const GAP_STOP_Z = 1.645;

/** The pulls of the path from `pullStart` down to `l2Pull`, two a decade (one pull when pullStart <= l2Pull). */
export function pullPath(pullStart: number, l2Pull: number): number[] {
  if (!(pullStart > l2Pull)) return [l2Pull];
  if (l2Pull === 0) throw new RangeError('l2Pull must be > 0 when pullStart is above it (the path is geometric); set pullStart to 0 for one unpulled round');
  const R = Math.ceil(2 * Math.log10(pullStart / l2Pull) - 1e-9);
  return Array.from({ length: R + 1 }, (_, r) => (r === R ? l2Pull : pullStart * (l2Pull / pullStart) ** (r / R)));
}

/** Validates the L-BFGS knobs and fills in defaults; throws naming the knob and its valid range. */
export function resolveLbfgsSchedule(opts: LbfgsTuneOptions): LbfgsSchedule {
  const l2Pull = opts.l2Pull ?? LBFGS_DEFAULTS.l2Pull;
  const pullStart = opts.pullStart ?? Math.max(LBFGS_DEFAULTS.pullStart, l2Pull);
  const maxIter = opts.maxIter ?? LBFGS_DEFAULTS.maxIter;
  const gradTol = opts.gradTol ?? LBFGS_DEFAULTS.gradTol;
  const maxAccuracyDrop = opts.maxAccuracyDrop ?? LBFGS_DEFAULTS.maxAccuracyDrop;
  if (!(l2Pull >= 0 && Number.isFinite(l2Pull))) throw new RangeError(`l2Pull must be a finite number >= 0, got ${l2Pull}`);
  if (!(pullStart >= 0 && Number.isFinite(pullStart))) throw new RangeError(`pullStart must be a finite number >= 0, got ${pullStart}`);
  if (!Number.isInteger(maxIter) || maxIter < 1 || maxIter > 100_000) throw new RangeError(`maxIter must be an integer from 1 to 100000, got ${maxIter}`);
  if (!(gradTol > 0 && Number.isFinite(gradTol))) throw new RangeError(`gradTol must be a finite number > 0, got ${gradTol}`);
  if (!(maxAccuracyDrop >= 0 && maxAccuracyDrop <= 1)) throw new RangeError(`maxAccuracyDrop must be a fraction from 0 to 1, got ${maxAccuracyDrop}`);
  const pulls = pullPath(pullStart, l2Pull);
  return { optimizer: 'lbfgs', l2Pull, pullStart, pulls, maxIter, gradTol, maxAccuracyDrop, epochs: pulls.length };
}

/** Per-feature mean and standard deviation over the tuning rows (sd 1 where a feature is constant). */
export function tuningStats(features: Matrix | RowReader, tuning: ArrayLike<number>): { mu: Float64Array; sd: Float64Array } {
  const D = features.cols;
  const m = tuning.length;
  const mu = new Float64Array(D);
  const sq = new Float64Array(D);
  // a Matrix is read in place; other rows (float16 tuning rows) are decoded one at a time into x
  const X = isRowReader(features) ? null : features.data;
  const x = X ? new Float32Array(0) : new Float32Array(D);
  const rowAt = (j: number): [Float32Array, number] => {
    if (X) return [X, tuning[j] * D];
    (features as RowReader).copyRow(tuning[j], x, 0);
    return [x, 0];
  };
  for (let j = 0; j < m; j++) { const [v, o] = rowAt(j); for (let d = 0; d < D; d++) mu[d] += v[o + d]; }
  for (let d = 0; d < D; d++) mu[d] /= m;
  for (let j = 0; j < m; j++) { const [v, o] = rowAt(j); for (let d = 0; d < D; d++) sq[d] += (v[o + d] - mu[d]) ** 2; }
  const sd = Float64Array.from(sq, (v) => (v > 1e-24 * m ? Math.sqrt(v / m) : 1));
  return { mu, sd };
}

/**
 * Fine-tunes a copy of `head`: along the pull path (resolveLbfgsSchedule), minimises mean cross-entropy over the
 * tuning set + (pull / 2) ||theta - theta0||² in standardised coordinates (theta = weights and biases) by L-BFGS,
 * theta0 = the original head, each round warm-started from the last; after every round checks the validation gap and
 * accuracy through `evaluate` and stops once the gap's upper bound is below `threshold` ('below-threshold'), once a
 * round loses more than maxAccuracyDrop of accuracy ('accuracy-guard', returning the round before), when the
 * iteration budget runs out ('max-iterations'), at the path's end ('converged'), or at an abort (checked between loss
 * evaluations). `lossGrad` computes the loss on raw features, so plain JavaScript and ONNX Runtime can both serve it;
 * the iterations are the same either way.
 */
export async function tuneHeadLbfgs(
  head: LinearHead, stats: { mu: Float64Array; sd: Float64Array }, lossGrad: TuningLossGrad,
  evaluate: (head: LinearHead) => HeadEvaluation | Promise<HeadEvaluation>,
  opts: LbfgsTuneOptions & { threshold?: number; signal?: { aborted: boolean }; onEpoch?: (r: EpochRecord, s: LbfgsSchedule) => void | Promise<void>; yieldFn?: () => Promise<void> },
): Promise<MitigateResult> {
  const schedule = resolveLbfgsSchedule(opts);
  const threshold = opts.threshold ?? 0.05;
  const { classes: C, dim: D } = head;
  const { mu, sd } = stats;
  const CD = C * D;
  // theta0: the original head in standardised coordinates (W' = W sd, b' = b + W mu).
  const theta0 = new Float64Array(CD + C);
  for (let c = 0; c < C; c++) {
    let b = head.bias[c];
    for (let d = 0; d < D; d++) { const w = head.weight[c * D + d]; theta0[c * D + d] = w * sd[d]; b += w * mu[d]; }
    theta0[CD + c] = b;
  }
  const raw = (theta: Float64Array): LinearHead => {
    const h: LinearHead = { classes: C, dim: D, weight: new Float32Array(CD), bias: new Float32Array(C) };
    for (let c = 0; c < C; c++) {
      let b = theta[CD + c];
      for (let d = 0; d < D; d++) { const w = theta[c * D + d] / sd[d]; h.weight[c * D + d] = w; b -= w * mu[d]; }
      h.bias[c] = b;
    }
    return h;
  };
  const objective = async (theta: Float64Array, l2Pull: number): Promise<ValueGrad> => {
    const r = await lossGrad(raw(theta));
    const g = new Float64Array(CD + C);
    let pull = 0;
    for (let c = 0; c < C; c++) {
      const gb = r.gradB[c];
      for (let d = 0; d < D; d++) {
        const i = c * D + d;
        const dt = theta[i] - theta0[i];
        pull += dt * dt;
        g[i] = (r.gradW[i] - gb * mu[d]) / sd[d] + l2Pull * dt;
      }
      const dt = theta[CD + c] - theta0[CD + c];
      pull += dt * dt;
      g[CD + c] = gb + l2Pull * dt;
    }
    return { f: r.loss + 0.5 * l2Pull * pull, g };
  };

  const history: EpochRecord[] = [];
  const record = async (theta: Float64Array, trainLoss: number, steps: number): Promise<{ r: EpochRecord; h: LinearHead; ev: HeadEvaluation }> => {
    const h = raw(theta);
    const ev = await evaluate(h);
    const r: EpochRecord = { epoch: history.length, trainLoss, meanGap: ev.meanGap, valAccuracy: ev.valAccuracy, steps };
    if (ev.meanGapSe !== undefined) r.meanGapSe = ev.meanGapSe;
    history.push(r);
    await opts.onEpoch?.(r, schedule);
    return { r, h, ev };
  };
  const below = (ev: HeadEvaluation) => ev.meanGap + GAP_STOP_Z * (Number.isFinite(ev.meanGapSe) ? ev.meanGapSe! : 0) < threshold;
  const start = await record(theta0, NaN, 0);
  let kept = start;
  let stoppedBecause: MitigateResult['stoppedBecause'] = 'converged';
  if (below(start.ev)) stoppedBecause = 'below-threshold';
  else {
    let theta: Float64Array = theta0;
    let iterations = 0;
    rounds: for (const l2Pull of schedule.pulls) {
      const it = lbfgs(theta, { maxIter: schedule.maxIter - iterations, gradTol: schedule.gradTol });
      let answer: ValueGrad | undefined;
      let last: { x: Float64Array; f: number } = { x: theta, f: NaN };
      let roundIterations = 0;
      let budgetUsed = false;
      for (;;) {
        const n = it.next(answer);
        if (n.done) { budgetUsed = n.value.reason === 'max-iterations'; break; }
        const e = n.value;
        if (e.kind === 'evaluate') {
          if (opts.signal?.aborted) {
            stoppedBecause = 'aborted';
            if (roundIterations > 0) kept = await record(last.x, last.f, iterations + roundIterations);
            iterations += roundIterations;
            break rounds;
          }
          answer = await objective(e.x, l2Pull);
          await opts.yieldFn?.();
          continue;
        }
        answer = undefined;
        last = { x: e.x, f: e.f };
        roundIterations = e.iteration;
      }
      iterations += roundIterations;
      theta = last.x;
      const now = await record(theta, last.f, iterations);
      if (now.r.valAccuracy < start.r.valAccuracy - schedule.maxAccuracyDrop - 1e-12) { stoppedBecause = 'accuracy-guard'; break; }
      kept = now;
      if (below(now.ev)) { stoppedBecause = 'below-threshold'; break; }
      if (budgetUsed || iterations >= schedule.maxIter) { stoppedBecause = 'max-iterations'; break; }
    }
  }
  const tuned = kept === start ? { ...head, weight: Float32Array.from(head.weight), bias: Float32Array.from(head.bias) } : kept.h;
  return { head: tuned, history, before: history[0], after: kept.r, stoppedBecause, schedule };
}
