import { gapEvaluator } from '../../core/gapEvaluator';
import { checkPresetKnobs, mitigate, type EpochRecord, type HeadEvaluation, type MitigateOptions, type MitigateResult, type Schedule } from '../../core/mitigate';
import { selectTuningSet, TUNE_K_SHARE, type TuningMethod } from '../../core/tuningSet';
import type { LinearHead, Matrix } from '../../core/types';
import { tuneProblem, type OrtTuneRunner, type TuneJobOptions, type TuneProblem } from '../train/tuneProblem';
import type { AnalysisSession } from './session';

/**
 * Tuning sets at least this large (images x features x classes, the multiply-adds of one pass) go to ONNX Runtime
 * under trainer 'auto': an epoch then takes plain JavaScript about half a second or more, which outweighs starting
 * a child process and building the ONNX Runtime sessions. The demo (1,000 x 80 x 10) stays in JavaScript.
 */
export const ORT_TUNING_MIN_MACS = 2 ** 26;

export { TUNE_K_SHARE };

/** Options of a fine-tuning run; the optimiser settings default to core's L-BFGS preset (DEFAULT_PRESET). */
export interface TuneOptions extends Omit<MitigateOptions, 'onEpoch' | 'signal'> {
  /** Tuning images per class (default 100), at most kShare of the class's training images. */
  k?: number;
  /** Share of a class's training images the tuning set takes at most (default TUNE_K_SHARE; 1 = the paper's plain k). */
  kShare?: number;
  /** Stop once the mean validation gap is below this fraction (default 0.05). */
  threshold?: number;
  signal?: AbortSignal;
  onEpoch?: (record: EpochRecord, schedule: Schedule) => void;
  /** 'js': core's plain-JavaScript optimiser; 'ort': `ortRunner`; 'auto' (default): `ortRunner` from ORT_TUNING_MIN_MACS on, when given. */
  trainer?: 'js' | 'ort' | 'auto';
  /** Runs the tuning with ONNX Runtime, in this process (CLI) or in the extraction child (extension). */
  ortRunner?: OrtTuneRunner;
}

/** A tuned head with how it was made. */
export interface TuneOutcome {
  method: TuningMethod;
  head: LinearHead;
  tuningImages: number;
  result: MitigateResult;
}

/**
 * Fine-tunes the session's head (section 4.3) on one tuning set: 'low-spuriosity' (the paper's k lowest-spuriosity training
 * images per class with a spurious feature), or the 'random' / 'error' baselines with the same budget. The session
 * is not changed; call session.useHead(outcome.head) to adopt the result.
 */
export async function tuneHead(s: AnalysisSession, method: TuningMethod, opts: TuneOptions = {}): Promise<TuneOutcome> {
  const rankings = s.spuriosity.rankings;
  if (!rankings.some((r) => r)) {
    throw new Error('No class has a spurious feature yet, so there is nothing to tune against: label at least one top feature "spurious" first.');
  }
  checkPresetKnobs(opts);
  const tuning = selectTuningSet(rankings, s.index, { method, k: opts.k ?? 100, maxShare: opts.kShare ?? TUNE_K_SHARE, seed: opts.seed ?? 0, predictions: s.predictions });
  if (usesOrt(tuning.length * s.features.cols * s.head.classes, opts)) {
    const valImages = Int32Array.from(s.index.val.flatMap((v) => Array.from(v)));
    return tuneWithOrt(method, tuneProblem(s.features, s.labels, tuning, valImages, rankings, s.options.gapK, s.head), tuning.length, opts);
  }
  const evaluate = gapEvaluator(s.features, s.labels, s.index, rankings, s.options.gapK);
  // standardise over the rows an ONNX Runtime run gets (tuning set, then the validation images), in its order
  const inTuning = new Set(tuning);
  const statsRows = Int32Array.from([...tuning, ...s.index.val.flatMap((v) => Array.from(v)).filter((i) => !inTuning.has(i))]);
  return tuneInProcess(method, { features: s.features, labels: s.labels, head: s.head, tuning, evaluate, statsRows }, opts);
}

/** One tuning run through opts.ortRunner (ONNX Runtime in this process or in the child), as an outcome. */
export async function tuneWithOrt(method: TuningMethod, problem: TuneProblem, tuningImages: number, opts: TuneOptions): Promise<TuneOutcome> {
  if (!opts.ortRunner) throw new Error("trainer 'ort' needs an ortRunner (ONNX Runtime must not run on the extension host)");
  const result = await opts.ortRunner({ problem, options: jobOptions(opts) }, { signal: opts.signal, onProgress: (e) => opts.onEpoch?.(e.record, e.schedule) });
  return { method, head: result.head, tuningImages, result };
}

/** What core mitigate runs on in this process: rows and their labels, the start head, the tuning rows, the evaluation, the standardisation rows. */
export interface InProcessTuning {
  features: Matrix;
  labels: Int32Array;
  head: LinearHead;
  tuning: Int32Array;
  evaluate: (head: LinearHead) => HeadEvaluation;
  statsRows: Int32Array;
}

/** One tuning run of core mitigate in this process, cancelled through opts.signal (between steps), as an outcome. */
export async function tuneInProcess(method: TuningMethod, run: InProcessTuning, opts: TuneOptions): Promise<TuneOutcome> {
  const flag = { aborted: false };
  const onAbort = () => { flag.aborted = true; };
  opts.signal?.addEventListener('abort', onAbort);
  try {
    const result = await mitigate(run.features, run.labels, run.head, run.tuning, run.evaluate, {
      ...opts,
      statsRows: run.statsRows,
      threshold: opts.threshold ?? 0.05,
      signal: flag,
      onEpoch: opts.onEpoch,
      // hand the event loop back regularly: the extension host must stay responsive while tuning runs
      yieldEvery: opts.yieldEvery ?? 8,
      yieldFn: opts.yieldFn ?? (() => new Promise((r) => setImmediate(r))),
    });
    return { method, head: result.head, tuningImages: run.tuning.length, result };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** The optimiser options of a run that cross to the ONNX Runtime runner, explicit undefineds dropped (they must match the JavaScript path's). */
export function jobOptions(opts: TuneOptions): TuneJobOptions {
  const { preset, steps, lrScale, lr, batch, maxEpochs, momentum, seed, l2Pull, pullStart, maxIter, gradTol, maxAccuracyDrop } = opts;
  const all: TuneJobOptions = { preset, steps, lrScale, lr, batch, maxEpochs, momentum, seed, l2Pull, pullStart, maxIter, gradTol, maxAccuracyDrop, threshold: opts.threshold ?? 0.05 };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) as TuneJobOptions;
}

/** Whether this tuning run goes to ONNX Runtime (see TuneOptions.trainer). */
function usesOrt(macs: number, opts: TuneOptions): boolean {
  if (opts.trainer === 'js') return false;
  if (opts.trainer === 'ort') {
    if (!opts.ortRunner) throw new Error("tuneHead: trainer 'ort' needs an ortRunner (ONNX Runtime must not run on the extension host)");
    return true;
  }
  return opts.ortRunner !== undefined && macs >= ORT_TUNING_MIN_MACS;
}
