import type { LinearHead, Matrix } from './types';
import { softmaxCrossEntropy } from './softmaxLoss';
import { mulberry32, shuffleInPlace } from './random';

/** What the epoch callback reports about a head on the validation split. */
export interface HeadEvaluation {
  /** Mean spurious gap over ranked classes, a fraction (0.05 = 5 points). */
  meanGap: number;
  /** Validation accuracy, a fraction. */
  valAccuracy: number;
}

/** One row of the fine-tuning history; epoch 0 is the starting head. */
export interface EpochRecord extends HeadEvaluation {
  epoch: number;
  /** Mean training loss over the epoch's steps (NaN for epoch 0). */
  trainLoss: number;
}

/** The optimiser schedule actually used. */
export interface Schedule {
  lr: number;
  batch: number;
  epochs: number;
  stepsPerEpoch: number;
  momentum: number;
}

/** Options of mitigate. */
export interface MitigateOptions {
  /**
   * 'scaled' (default): a budget of `steps` SGD steps (default 300), batch min(128, ceil(N / 8)) with N tuning
   * images, epochs = ceil(steps / steps-per-epoch) capped at 200, and lr = lrScale / mean(||x||² + 1) over the tuning
   * set (lrScale default 0.1). The step size is thus relative to the features' curvature scale, so the same defaults
   * move the head comparably for a few hundred images and for ImageNet's 35,700, whatever the backbone's feature scale.
   * 'authors': the reference code's lr 0.001, batch 128, at most 20 epochs (sized for ImageNet; barely moves a head
   * trained on a few hundred images).
   */
  preset?: 'scaled' | 'authors';
  steps?: number;
  lrScale?: number;
  /** Explicit overrides of the preset. */
  lr?: number;
  batch?: number;
  maxEpochs?: number;
  momentum?: number;
  /** Stop once the mean validation gap is below this (default 0.05, i.e. 5 points). */
  threshold?: number;
  seed?: number;
  /** Checked between steps; when set, tuning stops and returns the head as it is. */
  signal?: { aborted: boolean };
  /** Called after every epoch's evaluation (and for epoch 0). */
  onEpoch?: (record: EpochRecord, schedule: Schedule) => void | Promise<void>;
  /** Awaited every this many steps (default: never) so a host can keep its event loop responsive. */
  yieldEvery?: number;
  yieldFn?: () => Promise<void>;
}

/** Outcome of mitigate. */
export interface MitigateResult {
  head: LinearHead;
  history: EpochRecord[];
  before: EpochRecord;
  after: EpochRecord;
  stoppedBecause: 'below-threshold' | 'max-epochs' | 'aborted';
  schedule: Schedule;
}

/** Resolves the optimiser schedule for N tuning images (see MitigateOptions.preset). */
export function resolveSchedule(features: Matrix, tuning: ArrayLike<number>, opts: MitigateOptions): Schedule {
  const N = tuning.length;
  const momentum = opts.momentum ?? 0.9;
  if (opts.preset === 'authors') {
    const batch = opts.batch ?? 128;
    return { lr: opts.lr ?? 0.001, batch, epochs: opts.maxEpochs ?? 20, stepsPerEpoch: Math.ceil(N / batch), momentum };
  }
  const batch = opts.batch ?? Math.max(1, Math.min(128, Math.ceil(N / 8)));
  const stepsPerEpoch = Math.ceil(N / batch);
  const epochs = opts.maxEpochs ?? Math.min(200, Math.ceil((opts.steps ?? 300) / stepsPerEpoch));
  let lr = opts.lr;
  if (lr === undefined) {
    const D = features.cols;
    const X = features.data;
    let sq = 0;
    for (let j = 0; j < N; j++) {
      const o = tuning[j] * D;
      for (let d = 0; d < D; d++) sq += X[o + d] * X[o + d];
    }
    lr = (opts.lrScale ?? 0.1) / (sq / N + 1);
  }
  return { lr, batch, epochs, stepsPerEpoch, momentum };
}

/**
 * Fine-tunes a copy of the head on the tuning images (section 4.3) with SGD + momentum (PyTorch's form: v = m v + g,
 * w -= lr v), evaluating after every epoch through `evaluate` and stopping once the mean gap is below the threshold.
 * Only the tuning set's classes contribute positive targets: with the paper's recipe (tuning images only from classes
 * with a spurious feature) every step also pushes down the logits of the other classes on those images, so their
 * accuracy can drop; `selectTuningSet({ includeOtherClasses: true })` counters that. The history shows the cost.
 */
export async function mitigate(
  features: Matrix, labels: Int32Array, head: LinearHead, tuning: Int32Array,
  evaluate: (head: LinearHead) => HeadEvaluation | Promise<HeadEvaluation>, opts: MitigateOptions = {},
): Promise<MitigateResult> {
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
  tuned: LinearHead, tuning: Int32Array, schedule: Schedule,
  evaluate: (head: LinearHead) => HeadEvaluation | Promise<HeadEvaluation>,
  opts: Pick<MitigateOptions, 'threshold' | 'seed' | 'signal' | 'onEpoch'>,
  partRows: number, train: (part: Int32Array) => Promise<{ lossSum: number; steps: number }>,
): Promise<MitigateResult> {
  if (tuning.length === 0) throw new RangeError('the tuning set is empty: no class has both a spurious feature and training images');
  const threshold = opts.threshold ?? 0.05;
  const rng = mulberry32(opts.seed ?? 0);
  const order = Int32Array.from(tuning);
  const history: EpochRecord[] = [];
  const record = async (epoch: number, trainLoss: number): Promise<EpochRecord> => {
    const ev = await evaluate(tuned);
    const r: EpochRecord = { epoch, trainLoss, meanGap: ev.meanGap, valAccuracy: ev.valAccuracy };
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
