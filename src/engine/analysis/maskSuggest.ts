// The session's side of mask suggestions: which images each (class, top feature) is scored on, and accepting
// suggestions as labels through the session (so rankings and gaps follow). The file itself: annotations/suggestions.
import { orderByFeature } from '../../core/featureGap';
import { DEFAULT_IMAGES_PER_FEATURE, verdictOf, type SuggestionFile } from '../annotations/suggestions';
import type { FeatureVerdict } from '../annotations/labelStore';
import type { MaskScoreItem } from '../masks/maskScoreJob';
import type { AnalysisSession } from './session';

/** Per dataset class and top feature, the feature's top-activating training images of the class (validation ones when the class has no training image). */
export function planMaskScore(s: AnalysisSession, imagesPerFeature = DEFAULT_IMAGES_PER_FEATURE, classes?: string[]): MaskScoreItem[] {
  if (!(Number.isInteger(imagesPerFeature) && imagesPerFeature >= 1)) throw new RangeError(`images per feature must be a positive integer, got ${imagesPerFeature}`);
  const wanted = classes ? new Set(classes) : null;
  const items: MaskScoreItem[] = [];
  for (const cls of s.datasetClassIds) {
    const name = s.classNames[cls];
    if (wanted && !wanted.has(name)) continue;
    const pool = s.index.train[cls].length > 0 ? s.index.train[cls] : s.index.val[cls];
    for (const feature of s.importance[cls]?.top ?? []) {
      const rows = orderByFeature(s.features, pool, feature).slice(0, imagesPerFeature);
      items.push({ cls: name, feature, entries: rows.map((r) => s.entries[r]) });
    }
  }
  return items;
}

/** Four decimals are finer than any threshold and keep the files readable. */
/** What accepting did. */
export interface AcceptOutcome {
  accepted: number;
  /** Confident pairs left alone because a person labeled them. */
  keptPersonLabels: number;
}

/**
 * Accepts the confident suggestions of the given classes (all when absent; one feature with `feature`) as labels with
 * their origin; pairs a person labeled are never touched, earlier accepted suggestions are updated.
 */
export async function acceptSuggestions(s: AnalysisSession, file: SuggestionFile, only: { classes?: string[]; feature?: number } = {}): Promise<AcceptOutcome> {
  const existing = new Map(s.labelEntries().map((e) => [`${e.cls}\0${e.feature}`, e.verdict] as const));
  const changes: Array<{ cls: string; feature: number; verdict: FeatureVerdict }> = [];
  let kept = 0;
  for (const [cls, feats] of Object.entries(file.pairs)) {
    if (only.classes && !only.classes.includes(cls)) continue;
    for (const [f, p] of Object.entries(feats)) {
      const feature = Number(f);
      if (only.feature !== undefined && feature !== only.feature) continue;
      const verdict = verdictOf(p, file.source);
      if (!verdict) continue;
      const had = existing.get(`${cls}\0${feature}`);
      if (had && !had.origin) { kept++; continue; }
      changes.push({ cls, feature, verdict });
    }
  }
  if (changes.length) await s.setLabels(changes);
  return { accepted: changes.length, keptPersonLabels: kept };
}
