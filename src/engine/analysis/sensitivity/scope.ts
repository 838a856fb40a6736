// Which (class, feature) pairs a sensitivity run measures when the caller names a class, a feature, both or neither.
import { classIdOf } from '../classFeatures';
import type { AnalysisSession } from '../session';
import type { SensitivityPair } from './analyze';

/** Default cap on the pairs of one run: each costs (images x 4) inferences. */
export const DEFAULT_MAX_PAIRS = 50;

/** The chosen pairs, and how many the cap left out. */
export interface SensitivityScope {
  pairs: SensitivityPair[];
  truncated: number;
}

/**
 * class + feature: that pair (any feature, top or not). class: the class's top features. feature: every class
 * having it among its top features. Neither: every labelled (core or spurious) top feature of every class, the
 * pairs whose comparison the measure is for. At most `maxPairs`, in class then rank order.
 */
export function sensitivityScope(s: AnalysisSession, o: { cls?: string; feature?: number; maxPairs?: number } = {}): SensitivityScope {
  const max = o.maxPairs ?? DEFAULT_MAX_PAIRS;
  if (!(Number.isInteger(max) && max >= 1)) throw new RangeError(`the pair limit must be an integer >= 1 (got ${max})`);
  if (o.feature !== undefined && !(Number.isInteger(o.feature) && o.feature >= 0 && o.feature < s.features.cols)) {
    throw new RangeError(`feature ${o.feature} is out of range: the model has features 0..${s.features.cols - 1}`);
  }
  const classes = o.cls !== undefined ? [classIdOf(s, o.cls)] : s.datasetClassIds;
  const all: SensitivityPair[] = [];
  for (const cls of classes) {
    const top = s.importance[cls]?.top ?? [];
    if (o.feature !== undefined) {
      if (o.cls !== undefined || top.includes(o.feature)) all.push({ cls, feature: o.feature });
      continue;
    }
    const verdicts = s.verdicts(cls);
    for (const f of top) if (o.cls !== undefined || verdicts.has(f)) all.push({ cls, feature: f });
  }
  return { pairs: all.slice(0, max), truncated: Math.max(0, all.length - max) };
}
