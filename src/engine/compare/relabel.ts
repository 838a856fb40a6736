// A comparison kept live in the panel: once the user labels one model's features, that model is summarised again
// from its open session and the statistics are recomputed over every model's gaps, without extracting or
// re-analysing the others.
import type { AnalysisSession } from '../analysis/session';
import { summariseModel, type ModelGaps } from './modelSummary';
import { toPoints } from '../../core/vocabulary';
import { compareStatistics } from './statistics';
import type { CompareModel, CompareReport } from './types';

/** A compare report and the unrounded gaps of each of its models (aligned with report.models) its statistics come from. */
export interface LiveComparison {
  report: CompareReport;
  gaps: ModelGaps[];
}

/** The gaps of a model that has none (failed, or nothing measured). */
export const NO_GAPS: ModelGaps = { gap: new Map(), meanGap: NaN, accHigh: NaN, accLow: NaN };

const TWIN = 'the same file as ';

/**
 * The comparison again after the labels of model `index` changed: it is summarised from `session` (the same
 * dataset and analysis options as the comparison's, its labels as they are now), the other models keep their gaps,
 * and the correlation, variance and fit are recomputed; notes a caller added per model (`<id>: ...`) are kept. A
 * model counted once as a repeat of an earlier file stays out. Throws when that model failed in the comparison.
 */
export function resummarise(live: LiveComparison, index: number, session: AnalysisSession): LiveComparison {
  const { report } = live;
  const old = report.models[index];
  if (!old) throw new RangeError(`model index ${index} is out of range 0..${report.models.length - 1}`);
  if (old.head === null) throw new Error(`${old.id} failed in the comparison (${old.note ?? 'no analysis'}); compare again to include it`);
  if (session.model.sha256 !== old.sha256) throw new Error(`the session is of model ${session.model.sha256.slice(0, 12)}…, not of ${old.id} (${old.sha256.slice(0, 12)}…)`);
  const next = summariseModel(session, old.id, old.annotations ?? '');
  if (old.note?.startsWith(TWIN)) {
    next.model.included = false;
    next.model.note = old.note;
  }
  // the fit fills these in for the included models only: start every model from null
  const models: CompareModel[] = report.models.map((m, i) => ({ ...(i === index ? next.model : m), predictedAccLow: null, effectiveRobustness: null }));
  const gaps = live.gaps.map((g, i) => (i === index ? next.gaps : g));
  const classes = report.dataset.classes;
  const stats = compareStatistics(models, gaps, classes);
  const left = models.filter((m) => !m.included).map((m) => `${m.id} left out of the statistics: ${m.note}`);
  const perModel = report.notes.filter((n) => models.some((m) => n.startsWith(`${m.id}: `)));
  return {
    report: {
      ...report,
      models,
      gapTable: report.gapTable.map((row) => ({ ...row, gaps: row.gaps.map((g, i) => (i === index ? (next.gaps.gap.has(row.class) ? toPoints(next.gaps.gap.get(row.class)!) : null) : g)) })),
      correlation: stats.correlation,
      variance: stats.variance,
      fit: stats.fit,
      notes: [...left, ...perModel, ...stats.notes],
    },
    gaps,
  };
}
