// Reshapes a session's overview (the child's answer) or an in-memory session into the protocol's view shapes. No math
// here: every number comes from src/core via the session.
import {
  type FeatureVerdict, classStats, labelingOrder as sessionLabelingOrder, type ClassStats, type SessionView,
} from '../../engine/api/analysis';
import type { SessionOverview } from '../../engine/api/sessionChild';
import { gapSignificance, valImagesForSignificance, type ClassGap } from '../../core/gap';
import type { ClassSummary, FeatureLabel, MitigationState, PanelState, SpuriousSubtype } from '../../shared/protocol';

/** Protocol label and subtype of a stored verdict. */
export function toProtocolLabel(v: FeatureVerdict | undefined): { label: FeatureLabel | null; subtype: SpuriousSubtype | null } {
  if (!v) return { label: null, subtype: null };
  return { label: v.label, subtype: v.subtype ?? null };
}

/** Stored verdict for a protocol label. */
export function fromProtocolLabel(label: FeatureLabel | null, subtype?: SpuriousSubtype): FeatureVerdict | null {
  if (!label) return null;
  if (label === 'core') return { label };
  return { label, subtype };
}

/**
 * A gap is shown as a finding only when its bootstrap interval excludes 0; others say how many validation images
 * would settle them. Without an interval (bootstrap off) nothing is called significant.
 */
function significance(g: ClassGap | undefined): Pick<ClassSummary, 'negative' | 'significance' | 'valImagesNeeded'> {
  if (!g?.ci) return { negative: false };
  const verdict = gapSignificance(g.ci[0], g.ci[1]);
  return {
    negative: verdict === 'negative',
    significance: verdict,
    valImagesNeeded: verdict === 'not-significant' ? valImagesForSignificance(g.n, g.gap, g.ci[0], g.ci[1]) : null,
  };
}

/** Per-class overview rows, in dataset order. */
export function classSummaries(s: SessionView): ClassSummary[] {
  return summariesOf(classStats(s));
}

/** Overview rows from the engine's class statistics. */
export function summariesOf(stats: ClassStats[]): ClassSummary[] {
  return stats.map((c) => ({
    name: c.name, index: c.cls, images: c.trainImages, valImages: c.valImages, accuracy: c.valAccuracy,
    spuriousFeatures: c.spuriousFeatures, labeled: c.labeled,
    gap: c.gap ? { value: c.gap.gap, lo: c.gap.ci?.[0] ?? c.gap.gap, hi: c.gap.ci?.[1] ?? c.gap.gap, k: c.gap.k } : null,
    ...significance(c.gap),
  }));
}

/** Dataset classes ordered for labeling (the engine's rule: largest per-feature gap first). */
export const labelingOrder = (s: SessionView): string[] => sessionLabelingOrder(s);

/** The full snapshot the panel renders from, built from the session's overview (no per-image data). */
export function panelState(o: SessionOverview, datasetName: string, mitigation: MitigationState, extraction: PanelState['extraction'] = null): PanelState {
  const classes = summariesOf(o.classes);
  const g = o.gaps;
  const mean = g.classes.length ? { value: g.mean, lo: g.meanCi?.[0] ?? g.mean, hi: g.meanCi?.[1] ?? g.mean } : null;
  return {
    dataset: { name: datasetName, root: o.datasetRoot },
    model: { name: o.model.name ?? o.model.path.split(/[\\/]/).pop() ?? 'model' },
    splits: o.splits,
    classes,
    meanGap: mean,
    // the per-class rule for the mean too (a degenerate interval such as [+100, +100] is still an interval)
    ...(g.classes.length && g.meanCi ? { meanGapSignificance: gapSignificance(g.meanCi[0], g.meanCi[1]) } : {}),
    progress: { labeledClasses: classes.filter((c) => c.labeled).length, totalClasses: classes.length },
    labelingOrder: o.labelingOrder,
    topK: o.topK,
    extraction,
    mitigation,
    head: { source: o.headSource, mode: o.headMode },
  };
}
