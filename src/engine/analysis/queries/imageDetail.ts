import type { Split } from '../../../core/types';
import type { ImageEntry } from '../../dataset/types';
import type { FeatureVerdict } from '../labels';
import { predictedName, spuriosityOf, type SessionView } from './sessionView';

/** One of an image's class's top features, as seen in that image. */
export interface ImageFeature {
  feature: number;
  verdict: FeatureVerdict | undefined;
  importance: number;
  activation: number;
}

/** The facts of one image's detail view. */
export interface ImageDetailResult {
  entry: ImageEntry;
  split: Split;
  label: string;
  predicted: string;
  correct: boolean;
  confidence: number | null;
  spuriosity: number | null;
  /** Position in its class's ranking of its split (0 = lowest spuriosity), or null without a ranking. */
  rank: { position: number; total: number } | null;
  features: ImageFeature[];
}

/** Detail of one image (by row): prediction, confidence, spuriosity, rank, and its class's top features in it. */
export function imageDetail(s: SessionView, row: number): ImageDetailResult {
  const entry = s.entries[row];
  const cls = s.labels[row];
  const imp = s.importance[cls];
  const top = imp?.top ?? [];
  const ranking = s.spuriosity.rankings[cls]?.[entry.split];
  const pos = ranking ? ranking.order.indexOf(row) : -1;
  const verdicts = s.verdicts(cls);
  return {
    entry, split: entry.split, label: s.classNames[cls], predicted: predictedName(s, row), correct: s.correct[row] === 1,
    confidence: s.confidence(row), spuriosity: spuriosityOf(s, row),
    rank: pos >= 0 ? { position: pos, total: ranking!.order.length } : null,
    features: top.map((feature, j) => ({ feature, verdict: verdicts.get(feature), importance: imp.topImportance[j], activation: s.activation(row, feature) })),
  };
}

/** One top feature of a class for labeling, with its most-activating images. */
export interface FeatureCardData {
  feature: number;
  /** 0 = most important. */
  rank: number;
  importance: number;
  /** Accuracy gap along this feature alone, or null when it could not be measured. */
  perFeatureGap: number | null;
  verdict: FeatureVerdict | undefined;
  images: Array<{ row: number; entry: ImageEntry; activation: number }>;
}

/** The class's top features in importance order, each with its most-activating images. */
export function featureCards(s: SessionView, cls: number): FeatureCardData[] {
  const imp = s.importance[cls];
  if (!imp) return [];
  const gaps = s.featureGapsByClass.get(cls) ?? [];
  const verdicts = s.verdicts(cls);
  return imp.top.map((feature, rank) => {
    const g = gaps.find((x) => x.feature === feature);
    return {
      feature, rank, importance: imp.topImportance[rank],
      perFeatureGap: g && Number.isFinite(g.gap) ? g.gap : null,
      verdict: verdicts.get(feature),
      images: (g?.topImages ?? []).map((row) => ({ row, entry: s.entries[row], activation: s.activation(row, feature) })),
    };
  });
}
