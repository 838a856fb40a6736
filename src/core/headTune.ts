// The default fine-tuner of section 4.3: the head's tuning problem solved properly instead of by SGD steps. Fitting a
// linear head is convex, so full-batch L-BFGS (core/lbfgs) from the original head needs no step size, no batch and no
// epoch count; an L2 pull toward the original head keeps the solution near it and the problem strictly convex (a
// finite optimum even on a separable or one-class tuning set). Features are standardised over the tuning set, so the
// pull and the tolerances mean the same for any backbone's feature scale, and the loss is a mean, so they mean the
// same for 30 tuning images and for 35,700. The paper's early stop is kept: the validation gap is checked after every
// round of `checkEvery` iterations and tuning stops once it is below the threshold.
import type { LinearHead, Matrix } from './types';
import { lbfgs, type ValueGrad } from './lbfgs';
import type { EpochRecord, HeadEvaluation, MitigateResult, LbfgsSchedule } from './mitigate';

/** Mean softmax cross-entropy over the tuning set and its gradient, for a head on raw features (no penalty). */
export type TuningLossGrad = (head: LinearHead) => { loss: number; gradW: Float32Array; gradB: Float32Array }
  | Promise<{ loss: number; gradW: Float32Array; gradB: Float32Array }>;

/** The L-BFGS fine-tuner's knobs (MitigateOptions carries them). */
export interface LbfgsTuneOptions {
  /** Strength of the L2 pull toward the original head, on standardised features (default LBFGS_DEFAULTS.l2Pull). */
  l2Pull?: number;
  /** L-BFGS iterations at most (default LBFGS_DEFAULTS.maxIter). */
  maxIter?: number;
  /** Iterations per round: the validation gap is checked after each (default LBFGS_DEFAULTS.checkEvery). */
  checkEvery?: number;
  /** Converged once the largest entry of the (standardised) gradient is below this (default LBFGS_DEFAULTS.gradTol). */
  gradTol?: number;
}

/** Defaults of the L-BFGS fine-tuner, chosen on the tuning members of the mitigation benchmark family (BENCHMARKS.md). */
export const LBFGS_DEFAULTS = Object.freeze({ l2Pull: 1e-4, maxIter: 300, checkEvery: 5, gradTol: 1e-5 });

/** Validates the L-BFGS knobs and fills in defaults; throws naming the knob and its valid range. */
export function resolveLbfgsSchedule(opts: LbfgsTuneOptions): LbfgsSchedule {
  const l2Pull = opts.l2Pull ?? LBFGS_DEFAULTS.l2Pull;
  const maxIter = opts.maxIter ?? LBFGS_DEFAULTS.maxIter;
  const checkEvery = opts.checkEvery ?? LBFGS_DEFAULTS.checkEvery;
  const gradTol = opts.gradTol ?? LBFGS_DEFAULTS.gradTol;
  if (!(l2Pull >= 0 && Number.isFinite(l2Pull))) throw new RangeError(`l2Pull must be a finite number >= 0, got ${l2Pull}`);
  if (!Number.isInteger(maxIter) || maxIter < 1 || maxIter > 100_000) throw new RangeError(`maxIter must be an integer from 1 to 100000, got ${maxIter}`);
  if (!Number.isInteger(checkEvery) || checkEvery < 1) throw new RangeError(`checkEvery must be a positive integer, got ${checkEvery}`);
  if (!(gradTol > 0 && Number.isFinite(gradTol))) throw new RangeError(`gradTol must be a finite number > 0, got ${gradTol}`);
  return { optimizer: 'lbfgs', l2Pull, maxIter, checkEvery, gradTol, epochs: Math.ceil(maxIter / checkEvery) };
}

/** Per-feature mean and standard deviation over the tuning rows (sd 1 where a feature is constant). */
export function tuningStats(features: Matrix, tuning: ArrayLike<number>): { mu: Float64Array; sd: Float64Array } {
  const D = features.cols;
  const X = features.data;
  const m = tuning.length;
  const mu = new Float64Array(D);
  const sq = new Float64Array(D);
  for (let j = 0; j < m; j++) { const o = tuning[j] * D; for (let d = 0; d < D; d++) mu[d] += X[o + d]; }
  for (let d = 0; d < D; d++) mu[d] /= m;
  for (let j = 0; j < m; j++) { const o = tuning[j] * D; for (let d = 0; d < D; d++) sq[d] += (X[o + d] - mu[d]) ** 2; }
  const sd = Float64Array.from(sq, (v) => (v > 1e-24 * m ? Math.sqrt(v / m) : 1));
  return { mu, sd };
}

/**
 * Fine-tunes a copy of `head`: minimises mean cross-entropy over the tuning set + (l2Pull / 2) ||theta - theta0||²
 * in standardised coordinates (theta = weights and biases), by L-BFGS from theta0 = the original head, checking the
 * validation gap through `evaluate` after every round and stopping once it is below `threshold`, at convergence, at
 * maxIter, or at an abort (checked between loss evaluations). `lossGrad` computes the loss on raw features, so plain
 * JavaScript and ONNX Runtime can both serve it; the iterations are the same either way.
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
  const objective = async (theta: Float64Array): Promise<ValueGrad> => {
    const r = await lossGrad(raw(theta));
    const g = new Float64Array(CD + C);
    let pull = 0;
    for (let c = 0; c < C; c++) {
      const gb = r.gradB[c];
      for (let d = 0; d < D; d++) {
        const i = c * D + d;
        const dt = theta[i] - theta0[i];
        pull += dt * dt;
        g[i] = (r.gradW[i] - gb * mu[d]) / sd[d] + schedule.l2Pull * dt;
      }
      const dt = theta[CD + c] - theta0[CD + c];
      pull += dt * dt;
      g[CD + c] = gb + schedule.l2Pull * dt;
    }
    return { f: r.loss + 0.5 * schedule.l2Pull * pull, g };
  };

  const history: EpochRecord[] = [];
  const record = async (epoch: number, theta: Float64Array, trainLoss: number, steps: number): Promise<{ r: EpochRecord; h: LinearHead }> => {
    const h = raw(theta);
    const ev = await evaluate(h);
    const r: EpochRecord = { epoch, trainLoss, meanGap: ev.meanGap, valAccuracy: ev.valAccuracy, steps };
    history.push(r);
    await opts.onEpoch?.(r, schedule);
    return { r, h };
  };
  let current = await record(0, theta0, NaN, 0);
  let stoppedBecause: MitigateResult['stoppedBecause'] = 'max-iterations';
  if (current.r.meanGap < threshold) stoppedBecause = 'below-threshold';
  else {
    const it = lbfgs(theta0, { maxIter: schedule.maxIter, gradTol: schedule.gradTol });
    let answer: ValueGrad | undefined;
    let last: { x: Float64Array; f: number; iteration: number } = { x: theta0, f: NaN, iteration: 0 };
    let checkedAt = 0;
    for (;;) {
      const n = it.next(answer);
      if (n.done) {
        if (n.value.reason !== 'max-iterations') stoppedBecause = 'converged';
        if (last.iteration > checkedAt) current = await record(history.length, last.x, last.f, last.iteration);
        break;
      }
      const e = n.value;
      if (e.kind === 'evaluate') {
        if (opts.signal?.aborted) {
          stoppedBecause = 'aborted';
          if (last.iteration > checkedAt) current = await record(history.length, last.x, last.f, last.iteration);
          break;
        }
        answer = await objective(e.x);
        await opts.yieldFn?.();
        continue;
      }
      answer = undefined;
      last = { x: e.x, f: e.f, iteration: e.iteration };
      if (e.iteration % schedule.checkEvery === 0) {
        current = await record(history.length, e.x, e.f, e.iteration);
        checkedAt = e.iteration;
        if (current.r.meanGap < threshold) { stoppedBecause = 'below-threshold'; break; }
      }
    }
  }
  const tuned = history.length === 1 ? { ...head, weight: Float32Array.from(head.weight), bias: Float32Array.from(head.bias) } : current.h;
  return { head: tuned, history, before: history[0], after: history[history.length - 1], stoppedBecause, schedule };
}
