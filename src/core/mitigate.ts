import type { LinearHead, Matrix } from './types';
import { softmaxCrossEntropy } from './softmaxLoss';
import { mulberry32, shuffleInPlace } from './random';
import { tuneHeadLbfgs, tuningStats, type LbfgsTuneOptions } from './headTune';
import { rowReader, type RowReader } from './featureRows';

/** What the epoch callback reports about a head on the validation split. */
export interface HeadEvaluation {
  /** Mean spurious gap over ranked classes, a fraction (0.05 = 5 points). */
  meanGap: number;
  /** Validation accuracy, a fraction. */
  valAccuracy: number;
  /** Standard error of meanGap (binomial, per class at each end; core/gapEvaluator); the L-BFGS early stop asks meanGap + 1.645 se to be below the threshold. */
  meanGapSe?: number;
}

/** One row of the fine-tuning history; epoch 0 is the starting head. */
export interface EpochRecord extends HeadEvaluation {
  epoch: number;
  /** Mean training loss over the epoch's steps; L-BFGS: the objective (loss + pull) at the round's end (NaN for epoch 0). */
  trainLoss: number;
  /** Optimiser steps (SGD) or L-BFGS iterations taken so far. */
  steps?: number;
}

/** The SGD presets' schedule actually used. */
export interface SgdSchedule {
  optimizer: 'sgd';
  lr: number;
  batch: number;
  epochs: number;
  stepsPerEpoch: number;
  momentum: number;
  /** The scaled preset's step budget as asked for, and whether SCALED_MAX_EPOCHS cut it short (epochs x stepsPerEpoch were run at most). */
  stepsRequested?: number;
  capped?: boolean;
}

/** The L-BFGS preset's schedule: one round (gap check) per pull of the path, `epochs` = pulls.length rounds at most. */
export interface LbfgsSchedule {
  optimizer: 'lbfgs';
  /** The last (weakest) pull of the path. */
  l2Pull: number;
  /** The first (strongest) pull of the path. */
  pullStart: number;
  /** The path: the pull of each round, strongest first. */
  pulls: number[];
  /** Iterations at most over all rounds. */
  maxIter: number;
  gradTol: number;
  /** A fraction (0.01 = 1 point): a round losing more validation accuracy than this against the original head is not kept. */
  maxAccuracyDrop: number;
  epochs: number;
}

/** The optimiser schedule actually used. */
export type Schedule = SgdSchedule | LbfgsSchedule;

/** The fine-tuning recipes: 'lbfgs' (default), and the SGD recipes 'scaled' and 'authors'. */
export type TunePreset = 'lbfgs' | 'scaled' | 'authors';

/** The preset used when none is given. */
export const DEFAULT_PRESET: TunePreset = 'lbfgs';

/** The scaled preset runs at most this many epochs, whatever its step budget asks for. */
export const SCALED_MAX_EPOCHS = 200;

/** Options of mitigate. */
export interface MitigateOptions extends LbfgsTuneOptions {
  /**
   * 'lbfgs' (default): full-batch L-BFGS from the original head with an L2 pull toward it, on features standardised
   * over the tuning set, along a path of weakening pulls with the gap and accuracy checked after each (core/headTune):
   * no step size, batch or epoch count to get wrong, and the same meaning for any feature scale and tuning-set size.
   * 'scaled': a budget of `steps` SGD steps (default 300), batch min(128, ceil(N / 8)) with N tuning images,
   * epochs = ceil(steps / steps-per-epoch) capped at SCALED_MAX_EPOCHS, and lr = lrScale / mean(||x||² + 1) over the
   * tuning set (lrScale default 0.1).
   * 'authors': the reference code's lr 0.001, batch 128, at most 20 epochs (sized for ImageNet; barely moves a head
   * trained on a few hundred images).
   * The SGD knobs (steps, lrScale, lr, batch, maxEpochs, momentum) apply to 'scaled' and 'authors' only; the L-BFGS
   * knobs (l2Pull, pullStart, maxIter, gradTol, maxAccuracyDrop) to 'lbfgs' only: a knob of the other recipe is an error.
   */
  preset?: TunePreset;
  /**
   * L-BFGS: the rows whose per-feature mean and sd standardise the features (default: the tuning set). The engine
   * passes the tuning and validation images: over a low-spuriosity tuning set alone a cue feature is nearly constant,
   * its sd nearly 0, and the pull on its standardised weight then lets the raw weight move without bound.
   */
  statsRows?: ArrayLike<number>;
  steps?: number;
  lrScale?: number;
  /** Explicit overrides of the SGD presets. */
  lr?: number;
  batch?: number;
  maxEpochs?: number;
  momentum?: number;
  /** Stop once the mean validation gap is below this (default 0.05, i.e. 5 points). */
  threshold?: number;
  seed?: number;
  /** Checked between steps; when set, tuning stops and returns the head as it is. */
  signal?: { aborted: boolean };
  /** Called after every epoch's (or L-BFGS round's) evaluation, and for epoch 0. */
  onEpoch?: (record: EpochRecord, schedule: Schedule) => void | Promise<void>;
  /** Awaited every this many steps (default: never) so a host can keep its event loop responsive (L-BFGS: after every loss evaluation). */
  yieldEvery?: number;
  yieldFn?: () => Promise<void>;
}

const SGD_KNOBS = ['steps', 'lrScale', 'lr', 'batch', 'maxEpochs', 'momentum'] as const;
const LBFGS_KNOBS = ['l2Pull', 'pullStart', 'maxIter', 'gradTol', 'maxAccuracyDrop'] as const;

/** Throws when options name a knob of the other recipe than the preset's (it would be silently ignored). */
export function checkPresetKnobs(opts: MitigateOptions): TunePreset {
  const preset = opts.preset ?? DEFAULT_PRESET;
  if (!['lbfgs', 'scaled', 'authors'].includes(preset)) throw new RangeError(`preset must be lbfgs, scaled or authors, got ${String(preset)}`);
  const foreign = (preset === 'lbfgs' ? SGD_KNOBS : LBFGS_KNOBS).filter((k) => opts[k] !== undefined);
  if (foreign.length) {
    throw new RangeError(`${foreign.join(', ')} ${foreign.length > 1 ? 'apply' : 'applies'} to the ${preset === 'lbfgs' ? "SGD presets ('scaled', 'authors')" : "'lbfgs' preset"}, not to '${preset}'`);
  }
  return preset;
}

/** Outcome of mitigate. */
export interface MitigateResult {
  head: LinearHead;
  history: EpochRecord[];
  before: EpochRecord;
  after: EpochRecord;
  /**
   * Which rule stopped tuning: the gap fell below the threshold (the paper's early stop; L-BFGS: its upper bound), the
   * SGD epochs or the L-BFGS iterations ran out, L-BFGS reached the end of its pull path (every round converged), a
   * round cost more validation accuracy than maxAccuracyDrop (the round before is returned), or an abort.
   */
  stoppedBecause: 'below-threshold' | 'max-epochs' | 'max-iterations' | 'converged' | 'accuracy-guard' | 'aborted';
  schedule: Schedule;
}

/** Resolves an SGD preset's schedule for N tuning images (see MitigateOptions.preset; 'lbfgs' is resolved by core/headTune). */
export function resolveSchedule(features: Matrix | RowReader, tuning: ArrayLike<number>, opts: MitigateOptions): SgdSchedule {
  const N = tuning.length;
  const momentum = opts.momentum ?? 0.9;
  const positive = (name: string, v: number | undefined, integer: boolean) => {
    if (v !== undefined && !(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) throw new RangeError(`${name} must be a positive ${integer ? 'integer' : 'number'}, got ${v}`);
  };
  positive('lr', opts.lr, false); positive('lrScale', opts.lrScale, false); positive('batch', opts.batch, true);
  positive('maxEpochs', opts.maxEpochs, true); positive('steps', opts.steps, true);
  if (!(momentum >= 0 && momentum < 1)) throw new RangeError(`momentum must be in [0, 1), got ${momentum}`);
  if (opts.preset === 'authors') {
    const batch = opts.batch ?? 128;
    return { optimizer: 'sgd', lr: opts.lr ?? 0.001, batch, epochs: opts.maxEpochs ?? 20, stepsPerEpoch: Math.ceil(N / batch), momentum };
  }
  const batch = opts.batch ?? Math.max(1, Math.min(128, Math.ceil(N / 8)));
  const stepsPerEpoch = Math.ceil(N / batch);
  const stepsRequested = opts.steps ?? 300;
  const wanted = Math.ceil(stepsRequested / stepsPerEpoch);
  const epochs = opts.maxEpochs ?? Math.min(SCALED_MAX_EPOCHS, wanted);
  let lr = opts.lr;
  if (lr === undefined) {
    const D = features.cols;
    const rows = rowReader(features);
    const x = new Float32Array(D);
    let sq = 0;
    for (let j = 0; j < N; j++) {
      rows.copyRow(tuning[j], x, 0);
      for (let d = 0; d < D; d++) sq += x[d] * x[d];
    }
    lr = (opts.lrScale ?? 0.1) / (sq / N + 1);
  }
  return { optimizer: 'sgd', lr, batch, epochs, stepsPerEpoch, momentum, stepsRequested, capped: opts.maxEpochs === undefined && wanted > SCALED_MAX_EPOCHS };
}

const EMPTY_TUNING = 'the tuning set is empty: no class has both a spurious feature and training images';

/**
 * Fine-tunes a copy of the head on the tuning images (section 4.3): by default with core/headTune's L-BFGS; with the
 * 'scaled' or 'authors' preset with SGD + momentum (PyTorch's form: v = m v + g,
 * w -= lr v), evaluating after every epoch through `evaluate` and stopping once the mean gap is below the threshold.
 * Only the tuning set's classes contribute positive targets: with the paper's recipe (tuning images only from classes
 * with a spurious feature) every step also pushes down the logits of the other classes on those images, so their
 * accuracy can drop; `selectTuningSet({ includeOtherClasses: true })` counters that. The history shows the cost.
 */
export async function mitigate(
  features: Matrix, labels: Int32Array, head: LinearHead, tuning: Int32Array,
  evaluate: (head: LinearHead) => HeadEvaluation | Promise<HeadEvaluation>, opts: MitigateOptions = {},
): Promise<MitigateResult> {
  if (checkPresetKnobs(opts) === 'lbfgs') {
    if (tuning.length === 0) throw new RangeError(EMPTY_TUNING);
    const lossGrad = (h: LinearHead) => softmaxCrossEntropy(features, labels, h, tuning);
    return tuneHeadLbfgs(head, tuningStats(features, opts.statsRows ?? tuning), lossGrad, evaluate, opts);
  }
  const schedule = resolveSchedule(features, tuning, opts);
  const tuned: LinearHead = { classes: head.classes, dim: head.dim, weight: Float32Array.from(head.weight), bias: Float32Array.from(head.bias) };
  const vW = new Float32Array(tuned.weight.length);
  const vB = new Float32Array(tuned.bias.length);
  const grads = { gradW: new Float32Array(tuned.weight.length), gradB: new Float32Array(tuned.bias.length) };
  let step = 0;
  return epochLoop(tuned, tuning, schedule, evaluate, opts, schedule.batch, async (batch) => {
    const loss = softmaxCrossEntropy(features, labels, tuned, batch, 0, grads).loss;
    const { lr, momentum: mo } = schedule;
    for (let i = 0; i < vW.length; i++) { vW[i] = mo * vW[i] + grads.gradW[i]; tuned.weight[i] -= lr * vW[i]; }
    for (let i = 0; i < vB.length; i++) { vB[i] = mo * vB[i] + grads.gradB[i]; tuned.bias[i] -= lr * vB[i]; }
    step++;
    if (opts.yieldEvery && opts.yieldFn && step % opts.yieldEvery === 0) await opts.yieldFn();
    return { lossSum: loss, steps: 1 };
  });
}

/**
 * The epoch loop every trainer of mitigate's recipe shares, so they stop alike: evaluate the head as it starts, then
 * per epoch shuffle the tuning set (seeded), hand it to `train` in parts of `partRows` rows (a whole number of
 * batches), record the evaluation, and stop once the mean gap is below the threshold, after the last epoch, or at
 * an abort (checked before each part). `train` updates `tuned` in place and returns its loss summed over the steps
 * it took.
 */
export async function epochLoop(
  tuned: LinearHead, tuning: Int32Array, schedule: SgdSchedule,
  evaluate: (head: LinearHead) => HeadEvaluation | Promise<HeadEvaluation>,
  opts: Pick<MitigateOptions, 'threshold' | 'seed' | 'signal' | 'onEpoch'>,
  partRows: number, train: (part: Int32Array) => Promise<{ lossSum: number; steps: number }>,
): Promise<MitigateResult> {
  if (tuning.length === 0) throw new RangeError(EMPTY_TUNING);
  const threshold = opts.threshold ?? 0.05;
  const rng = mulberry32(opts.seed ?? 0);
  const order = Int32Array.from(tuning);
  const history: EpochRecord[] = [];
  const record = async (epoch: number, trainLoss: number): Promise<EpochRecord> => {
    const ev = await evaluate(tuned);
    const r: EpochRecord = { epoch, trainLoss, meanGap: ev.meanGap, valAccuracy: ev.valAccuracy, steps: step };
    history.push(r);
    await opts.onEpoch?.(r, schedule);
    return r;
  };
  let stepsAtLastRecord = 0;
  let step = 0;
  const before = await record(0, NaN);
  let stoppedBecause: MitigateResult['stoppedBecause'] = 'max-epochs';
  if (before.meanGap < threshold) stoppedBecause = 'below-threshold';
  else {
    outer: for (let epoch = 1; epoch <= schedule.epochs; epoch++) {
      shuffleInPlace(rng, order);
      let lossSum = 0;
      let steps = 0;
      for (let s = 0; s < order.length; s += partRows) {
        if (opts.signal?.aborted) { stoppedBecause = 'aborted'; break outer; }
        const done = await train(order.subarray(s, Math.min(order.length, s + partRows)));
        lossSum += done.lossSum;
        steps += done.steps;
        step += done.steps;
      }
      const r = await record(epoch, lossSum / steps);
      stepsAtLastRecord = step;
      if (r.meanGap < threshold) { stoppedBecause = 'below-threshold'; break; }
    }
  }
  // An abort mid-epoch returns the partly tuned head: evaluate it so `after` describes what is returned.
  if (stoppedBecause === 'aborted' && step > stepsAtLastRecord) await record(history[history.length - 1].epoch + 1, NaN);
  return { head: tuned, history, before, after: history[history.length - 1], stoppedBecause, schedule };
}
