// Fine-tuning with core mitigate's semantics (schedule, shuffles, batches, per-epoch gap check and threshold,
// abort between steps) but with the SGD steps and the validation predictions run by ONNX Runtime: at
// ImageNet scale an epoch is GEMM work that plain JavaScript does 100x slower. ONNX Runtime runs on the
// calling thread, so this runs in a CLI process or the extraction child, never on the extension host.
import { resolveSchedule, type EpochRecord, type MitigateOptions, type MitigateResult } from '../../core/mitigate';
import { mulberry32, shuffleInPlace } from '../../core/random';
import { spuriousGap } from '../../core/gap';
import type { LinearHead } from '../../core/types';
import { OrtHeadTrainer } from './ortHeadTrainer';
import type { OrtTuneRunner, TuneProblem } from './tuneProblem';
import { defaultThreads } from '../native/ort';

/** Options of mitigateOrt: mitigate's, plus ONNX Runtime's thread count. */
export interface OrtMitigateOptions extends Omit<MitigateOptions, 'yieldEvery' | 'yieldFn'> {
  threads: number;
  /** Batches per ONNX Runtime epoch call; the abort flag is checked between calls (default 16). */
  batchesPerCall?: number;
}

/** Mean gap (no bootstrap) and accuracy over the validation rows, predicted by ONNX Runtime, as core's gapEvaluator. */
function ortEvaluator(p: TuneProblem, trainer: OrtHeadTrainer) {
  return async (head: LinearHead) => {
    const pred = await trainer.predictRows(p.rows, p.val, head);
    const correct = new Uint8Array(p.labels.length);
    let hits = 0;
    for (let j = 0; j < p.val.length; j++) {
      const id = p.rowIds[p.val[j]];
      const ok = pred[j] === p.labels[id] ? 1 : 0;
      correct[id] = ok;
      hits += ok;
    }
    return { meanGap: spuriousGap(p.rankings, correct, { k: p.gapK, bootstrap: 0 }).mean, valAccuracy: p.val.length ? hits / p.val.length : NaN };
  };
}

/** core's mitigate on a TuneProblem, with ONNX Runtime doing the epochs and the evaluations. */
export async function mitigateOrt(p: TuneProblem, opts: OrtMitigateOptions): Promise<MitigateResult> {
  const { rows, tuning } = p;
  if (tuning.length === 0) throw new RangeError('the tuning set is empty: no class has both a spurious feature and training images');
  const threshold = opts.threshold ?? 0.05;
  const schedule = resolveSchedule(rows, tuning, opts);
  const tuned: LinearHead = { classes: p.head.classes, dim: p.head.dim, weight: Float32Array.from(p.head.weight), bias: Float32Array.from(p.head.bias) };
  const rowLabels = Int32Array.from(p.rowIds, (id) => p.labels[id]);
  const trainer = OrtHeadTrainer.create(tuned, { threads: opts.threads });
  const evaluate = ortEvaluator(p, trainer);
  const perCall = Math.max(1, Math.floor(opts.batchesPerCall ?? 16)) * schedule.batch;
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
  try {
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
        // Whole batches per call, so the epoch's batches are mitigate's; the trainer carries momentum across calls.
        for (let s = 0; s < order.length; s += perCall) {
          if (opts.signal?.aborted) { stoppedBecause = 'aborted'; break outer; }
          const part = order.subarray(s, Math.min(order.length, s + perCall));
          const partSteps = Math.ceil(part.length / schedule.batch);
          lossSum += (await trainer.trainEpoch(rows, rowLabels, tuned, part, schedule)) * partSteps;
          steps += partSteps;
          step += partSteps;
        }
        const r = await record(epoch, lossSum / steps);
        stepsAtLastRecord = step;
        if (r.meanGap < threshold) { stoppedBecause = 'below-threshold'; break; }
      }
    }
    // As mitigate: an abort mid-epoch returns the partly tuned head, evaluated so `after` describes it.
    if (stoppedBecause === 'aborted' && step > stepsAtLastRecord) await record(history[history.length - 1].epoch + 1, NaN);
    return { head: tuned, history, before, after: history[history.length - 1], stoppedBecause, schedule };
  } finally {
    await trainer.release();
  }
}

/** An OrtTuneRunner in this process, with the default ONNX Runtime threads (for the CLI; never the extension host). */
export const ortInProcess: OrtTuneRunner = (problem, options, hooks) =>
  mitigateOrt(problem, { ...options, threads: defaultThreads(), signal: hooks.signal, onEpoch: hooks.onEpoch });
