import type { ClassGap } from '../../../core/gap';
import { verdictsByClass, type SessionView } from './sessionView';

/** The overview's facts about one dataset class. */
export interface ClassStats {
  cls: number;
  name: string;
  trainImages: number;
  valImages: number;
  /** Validation accuracy (fraction), or null without validation images. */
  valAccuracy: number | null;
  spuriousFeatures: number;
  /** Every top feature has a label. */
  labeled: boolean;
  gap: ClassGap | undefined;
}

/** Per dataset class (in dataset order): image counts, validation accuracy, labeling progress and its gap. */
export function classStats(s: SessionView): ClassStats[] {
  const gapOf = new Map(s.gaps.classes.map((g) => [g.cls, g] as const));
  const byClass = verdictsByClass(s);
  const none = new Map<number, unknown>();
  return s.datasetClassIds.map((cls) => {
    const val = s.index.val[cls];
    let ok = 0;
    for (let j = 0; j < val.length; j++) ok += s.correct[val[j]];
    const verdicts = byClass.get(cls) ?? none;
    const top = s.importance[cls]?.top ?? [];
    return {
      cls, name: s.classNames[cls], trainImages: s.index.train[cls].length, valImages: val.length,
      valAccuracy: val.length ? ok / val.length : null,
      spuriousFeatures: s.spuriosity.spurious[cls].length,
      labeled: top.length > 0 && top.every((f) => verdicts.has(f)),
      gap: gapOf.get(cls),
    };
  });
}

/** Dataset class names ordered for labeling: the largest per-feature gap among their top features first (ties: dataset order). */
export function labelingOrder(s: SessionView): string[] {
  const best = (cls: number) => Math.max(-Infinity, ...(s.featureGapsByClass.get(cls) ?? []).map((g) => (Number.isFinite(g.gap) ? g.gap : -Infinity)));
  return [...s.datasetClassIds].sort((a, b) => best(b) - best(a) || a - b).map((c) => s.classNames[c]);
}
