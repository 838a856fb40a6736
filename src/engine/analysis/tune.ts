import { gapEvaluator } from '../../core/gapEvaluator';
import { mitigate, type EpochRecord, type MitigateOptions, type MitigateResult, type Schedule } from '../../core/mitigate';
import { selectTuningSet, type TuningMethod } from '../../core/tuningSet';
import type { LinearHead } from '../../core/types';
import type { AnalysisSession } from './session';

/** Options of a fine-tuning run; the optimiser settings default to the core's scaled schedule. */
export interface TuneOptions extends Omit<MitigateOptions, 'onEpoch' | 'signal'> {
  /** Tuning images per class (default 100). */
  k?: number;
  /** Stop once the mean validation gap is below this fraction (default 0.05). */
  threshold?: number;
  signal?: AbortSignal;
  onEpoch?: (record: EpochRecord, schedule: Schedule) => void;
}

/** A tuned head with how it was made. */
export interface TuneOutcome {
  method: TuningMethod;
  head: LinearHead;
  tuningImages: number;
  result: MitigateResult;
}

/**
 * Fine-tunes the session's head (section 4.3) on one tuning set: 'low' (the paper's k lowest-spuriosity training
 * images per class with a spurious feature), or the 'random' / 'error' baselines with the same budget. The session
 * is not changed; call session.useHead(outcome.head) to adopt the result.
 */
export async function tuneHead(s: AnalysisSession, method: TuningMethod, opts: TuneOptions = {}): Promise<TuneOutcome> {
  const rankings = s.spuriosity.rankings;
  if (!rankings.some((r) => r)) {
    throw new Error('No class has a spurious feature yet, so there is nothing to tune against: label at least one top feature "spurious" first.');
  }
  const tuning = selectTuningSet(rankings, s.index, { method, k: opts.k ?? 100, seed: opts.seed ?? 0, predictions: s.predictions });
  const evaluate = gapEvaluator(s.features, s.labels, s.index, rankings, s.options.gapK);
  const flag = { aborted: false };
  const onAbort = () => { flag.aborted = true; };
  opts.signal?.addEventListener('abort', onAbort);
  try {
    const result = await mitigate(s.features, s.labels, s.head, tuning, evaluate, {
      ...opts,
      threshold: opts.threshold ?? 0.05,
      signal: flag,
      onEpoch: opts.onEpoch,
      // hand the event loop back regularly: the extension host must stay responsive while tuning runs
      yieldEvery: opts.yieldEvery ?? 8,
      yieldFn: opts.yieldFn ?? (() => new Promise((r) => setImmediate(r))),
    });
    return { method, head: result.head, tuningImages: tuning.length, result };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
