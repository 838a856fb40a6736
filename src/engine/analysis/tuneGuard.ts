// Checks before fine-tuning that the run can change anything, and says what it will really train on: the optimiser
// stops before its first epoch when the mean gap is already under the threshold, and a per-class budget of at least
// a class's training size makes "low-spuriosity" tuning train on every image of that class.
import { tuningBudget, TUNE_K_SHARE, type TuningMethod } from '../../core/tuningSet';
import { signed } from '../../shared/signed';
import type { AnalysisView } from './queries/sessionView';

/** What the guard found: a reason not to tune at all, or warnings to confirm. */
export interface TuneCheck {
  /** Why tuning would be pointless (no ranked class, gap already under the threshold); null when it can run. */
  refusal: string | null;
  /** Things the user should know before a run (e.g. classes where k covers every training image). */
  warnings: string[];
  /** Ranked classes whose training images all go into the tuning set, with their sizes. */
  wholeClasses: Array<{ name: string; trainImages: number }>;
}

const METHOD_NAME: Record<TuningMethod, string> = { 'low-spuriosity': 'low-spuriosity', random: 'random-image', error: 'error' };
const pts = (x: number) => signed(x * 100, 1);

/** Checks a planned run of `method` with k images per class and a gap threshold (a fraction, as the tuner takes it). */
export function checkTuning(s: Pick<AnalysisView, 'datasetClassIds' | 'spuriosity' | 'gaps' | 'index' | 'classNames'>, method: TuningMethod, opts: { k: number; threshold: number; kShare?: number }): TuneCheck {
  const ranked = s.datasetClassIds.filter((c) => s.spuriosity.rankings[c]);
  if (ranked.length === 0 || s.gaps.classes.length === 0) {
    return {
      refusal: 'No class has a feature labeled spurious, so there is no spurious gap to reduce and no ranking to choose tuning images from. Label the top features first.',
      warnings: [], wholeClasses: [],
    };
  }
  if (!(s.gaps.mean >= opts.threshold)) {
    return {
      refusal: `The mean spurious gap is already ${pts(s.gaps.mean)} points, under the ${pts(opts.threshold)}-point threshold (spuriosityLens.gapThreshold): `
        + 'there is no gap left to reduce, so the head would stay unchanged. Lower the threshold to tune further.',
      warnings: [], wholeClasses: [],
    };
  }
  const share = opts.kShare ?? TUNE_K_SHARE;
  const wholeClasses = ranked.filter((c) => tuningBudget(opts.k, share, s.index.train[c].length) >= s.index.train[c].length).map((c) => ({ name: s.classNames[c], trainImages: s.index.train[c].length }));
  const warnings: string[] = [];
  if (wholeClasses.length) {
    const list = wholeClasses.slice(0, 6).map((w) => `${w.name}: ${w.trainImages}`).join(', ') + (wholeClasses.length > 6 ? `, and ${wholeClasses.length - 6} more` : '');
    warnings.push(`Tuning images per class (spuriosityLens.tuneK = ${opts.k}) is at least the training size of ${wholeClasses.length} of ${ranked.length} ranked class(es) (${list}): `
      + `${METHOD_NAME[method]} tuning trains on every training image of ${wholeClasses.length === 1 ? 'that class' : 'those classes'}, not a ${method === 'low-spuriosity' ? 'low-spuriosity ' : ''}subset.`);
  }
  return { refusal: null, warnings, wholeClasses };
}
