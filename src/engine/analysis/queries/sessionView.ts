import type { ClassIndex } from '../../../core/classIndex';
import type { FeatureGap } from '../../../core/featureGap';
import type { GapSummary } from '../../../core/gap';
import type { ClassImportance } from '../../../core/importance';
import type { Grouping, HeadMode, HeadSource } from '../../../core/vocabulary';
import type { SpuriosityState } from '../../../core/spuriosity';
import type { Dataset, ImageEntry } from '../../dataset/types';
import type { ModelInfo } from '../../model/types';
import type { FeatureVerdict } from '../labels';

/**
 * What the session queries read: per-image scalars, per-class results, and two per-image lookups. Both the in-memory
 * AnalysisSession and the out-of-core session provide it, so the same queries serve the CLI, the panel and the child.
 */
export interface SessionView {
  readonly classNames: string[];
  readonly datasetClassIds: number[];
  readonly entries: ImageEntry[];
  readonly labels: Int32Array;
  readonly index: ClassIndex;
  readonly excluded: Uint8Array;
  readonly predictions: Int32Array;
  readonly correct: Uint8Array;
  readonly importance: ClassImportance[];
  readonly featureGapsByClass: Map<number, FeatureGap[]>;
  readonly spuriosity: Pick<SpuriosityState, 'spurious' | 'scores' | 'rankings'>;
  readonly gaps: GapSummary;
  indexOf(rel: string): number | undefined;
  classId(name: string): number | undefined;
  verdicts(cls: number): Map<number, FeatureVerdict>;
  /** Every labeled pair (class by name), for queries that need every class's verdicts at once. */
  labelEntries(): Array<{ cls: string; feature: number; verdict: FeatureVerdict }>;
  /** Activation of one feature in one image; always available for a class's top and spurious features. */
  activation(row: number, feature: number): number;
  /** Softmax probability of the predicted class, or null when the head gives none. */
  confidence(row: number): number | null;
}

/** What the reports (rank, gap) read besides the queries: the dataset, the model, the options and the counts. */
export interface AnalysisView extends SessionView {
  readonly dataset: Dataset;
  readonly model: ModelInfo;
  readonly headSource: HeadSource;
  readonly unmapped: string[];
  readonly options: { headMode: HeadMode; grouping: Grouping; topK: number; gapK: number; featureGapK: number; bootstrap: number; seed: number };
  readonly excludedCount: number;
  splitCounts(): { train: number; val: number };
  valAccuracy(): number;
}

/** Name of a predicted head-space class (a model class outside the dataset's names shows as #index). */
export function predictedName(s: Pick<SessionView, 'classNames' | 'predictions'>, row: number): string {
  return s.classNames[s.predictions[row]] ?? `#${s.predictions[row]}`;
}

/** Spuriosity of an image, or null when its class has no ranking. */
export function spuriosityOf(s: Pick<SessionView, 'spuriosity'>, row: number): number | null {
  const v = s.spuriosity.scores[row];
  return Number.isFinite(v) ? v : null;
}

/**
 * Verdicts of every head-space class, in one pass over the labels: per-class verdicts(cls) rebuilds the store's
 * entries each call, which at 1,000 classes (an annotation file read per class) cost ~0.9 s per overview.
 */
export function verdictsByClass(s: Pick<SessionView, 'classId' | 'labelEntries'>): Map<number, Map<number, FeatureVerdict>> {
  const out = new Map<number, Map<number, FeatureVerdict>>();
  for (const e of s.labelEntries()) {
    const c = s.classId(e.cls);
    if (c === undefined) continue;
    let m = out.get(c);
    if (!m) out.set(c, (m = new Map()));
    m.set(e.feature, e.verdict);
  }
  return out;
}
