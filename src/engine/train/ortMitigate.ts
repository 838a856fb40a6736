// Fine-tuning with core mitigate's semantics (L-BFGS: the same iterations and round checks; SGD: schedule, shuffles,
// batches, per-epoch gap check and threshold, abort between steps) but with the SGD steps and the validation predictions run by ONNX Runtime: at
// ImageNet scale an epoch is GEMM work that plain JavaScript does 100x slower. ONNX Runtime runs on the
// calling thread, so this runs in a CLI process or the extraction child, never on the extension host.
import { checkPresetKnobs, epochLoop, resolveSchedule, type MitigateOptions, type MitigateResult } from '../../core/mitigate';
import { tuneHeadLbfgs, tuningStats } from '../../core/headTune';
import type { LinearHead } from '../../core/types';
import { OrtHeadTrainer } from './ortHeadTrainer';
import { evaluateValPredictions, type TuneProblem } from './tuneProblem';
import { tuneRowsReader } from './tuneRows';

/** Options of mitigateOrt: mitigate's, plus ONNX Runtime's thread count. */
export interface OrtMitigateOptions extends Omit<MitigateOptions, 'yieldEvery' | 'yieldFn'> {
  threads: number;
  /** Batches per ONNX Runtime epoch call; the abort flag is checked between calls (default 16). */
  batchesPerCall?: number;
}

/** Mean gap (no bootstrap) with its standard error and accuracy over the validation rows, predicted by ONNX Runtime, as core's gapEvaluator. */
function ortEvaluator(p: TuneProblem, trainer: OrtHeadTrainer) {
  return async (head: LinearHead) => evaluateValPredictions(p, await trainer.predictRows(p.rows, p.val, head));
}

/** core's mitigate on a TuneProblem, with ONNX Runtime doing the epochs and the evaluations. */
export async function mitigateOrt(p: TuneProblem, opts: OrtMitigateOptions): Promise<MitigateResult> {
  const { rows, tuning } = p;
  const rowLabels = Int32Array.from(p.rowIds, (id) => p.labels[id]);
  if (checkPresetKnobs(opts) === 'lbfgs') {
    // The same L-BFGS iterations as core's mitigate; only the loss-gradient passes and the predictions run in ONNX Runtime.
    if (tuning.length === 0) throw new RangeError('the tuning set is empty: no class has both a spurious feature and training images');
    const trainer = OrtHeadTrainer.create(p.head, { threads: opts.threads });
    try {
      // standardised over every row of the problem (tuning set and validation images), as core's tuneHead passes
      return await tuneHeadLbfgs(p.head, tuningStats(tuneRowsReader(rows), Int32Array.from({ length: rows.rows }, (_, i) => i)), (h) => trainer.lossGrad(rows, rowLabels, tuning, h), ortEvaluator(p, trainer), opts);
    } finally {
      await trainer.release();
    }
  }
  const schedule = resolveSchedule(tuneRowsReader(rows), tuning, opts);
  const tuned: LinearHead = { classes: p.head.classes, dim: p.head.dim, weight: Float32Array.from(p.head.weight), bias: Float32Array.from(p.head.bias) };
  const trainer = OrtHeadTrainer.create(tuned, { threads: opts.threads });
  const evaluate = ortEvaluator(p, trainer);
  // Whole batches per call, so the epoch's batches are mitigate's; the trainer carries momentum across calls.
  const perCall = Math.max(1, Math.floor(opts.batchesPerCall ?? 16)) * schedule.batch;
  try {
    return await epochLoop(tuned, tuning, schedule, evaluate, opts, perCall, async (part) => {
      const steps = Math.ceil(part.length / schedule.batch);
      return { lossSum: (await trainer.trainEpoch(rows, rowLabels, tuned, part, schedule)) * steps, steps };
    });
  } finally {
    await trainer.release();
  }
}
