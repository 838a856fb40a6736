// Reshapes an AnalysisSession into the protocol's view shapes. No math here: every number comes from src/core via the session.
import type { AnalysisSession } from '../../engine/analysis/session';
import type { FeatureVerdict } from '../../engine/analysis/labels';
import { gapSignificance, valImagesForSignificance, type ClassGap } from '../../core/gap';
import type { ClassSummary, FeatureLabel, MitigationState, PanelState, SpuriousSubtype } from '../../shared/protocol';

/** Protocol label and subtype of a stored verdict. */
export function toProtocolLabel(v: FeatureVerdict | undefined): { label: FeatureLabel | null; subtype: SpuriousSubtype | null } {
  if (!v) return { label: null, subtype: null };
  const subtype = v.subtype === 'background' ? 'background' : v.subtype === 'separate_object' ? 'separate-object' : null;
  return { label: v.label, subtype };
}

/** Stored verdict for a protocol label. */
export function fromProtocolLabel(label: FeatureLabel | null, subtype?: SpuriousSubtype): FeatureVerdict | null {
  if (!label) return null;
  if (label === 'core') return { label };
  return { label, subtype: subtype === 'background' ? 'background' : subtype === 'separate-object' ? 'separate_object' : undefined };
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
export function classSummaries(s: AnalysisSession): ClassSummary[] {
  const gapOf = new Map(s.gaps.classes.map((g) => [g.cls, g] as const));
  return s.datasetClassIds.map((cls) => {
    const val = s.index.val[cls];
    let ok = 0;
    for (let j = 0; j < val.length; j++) ok += s.correct[val[j]];
    const verdicts = s.verdicts(cls);
    const top = s.importance[cls]?.top ?? [];
    const g = gapOf.get(cls);
    return {
      name: s.classNames[cls],
      index: cls,
      images: s.index.train[cls].length,
      valImages: val.length,
      accuracy: val.length ? ok / val.length : null,
      spuriousFeatures: s.spuriosity.spurious[cls].length,
      labeled: top.length > 0 && top.every((f) => verdicts.has(f)),
      gap: g ? { value: g.gap, lo: g.ci?.[0] ?? g.gap, hi: g.ci?.[1] ?? g.gap, k: g.k } : null,
      ...significance(g),
    };
  });
}

/** Dataset classes ordered for labeling: the largest per-feature gap among their top features first. */
export function labelingOrder(s: AnalysisSession): string[] {
  const best = (cls: number) => Math.max(-Infinity, ...(s.featureGapsByClass.get(cls) ?? []).map((g) => (Number.isFinite(g.gap) ? g.gap : -Infinity)));
  return [...s.datasetClassIds].sort((a, b) => best(b) - best(a) || a - b).map((c) => s.classNames[c]);
}

/** The full snapshot the panel renders from. */
export function panelState(s: AnalysisSession, datasetName: string, mitigation: MitigationState, extraction: PanelState['extraction'] = null): PanelState {
  const classes = classSummaries(s);
  const { train, val } = s.splitCounts();
  const mean = s.gaps.classes.length ? { value: s.gaps.mean, lo: s.gaps.meanCi?.[0] ?? s.gaps.mean, hi: s.gaps.meanCi?.[1] ?? s.gaps.mean } : null;
  return {
    dataset: { name: datasetName, root: s.dataset.root },
    model: { name: s.model.card.name ?? s.model.path.split(/[\\/]/).pop() ?? 'model' },
    splits: { train, val },
    classes,
    meanGap: mean,
    progress: { labeledClasses: classes.filter((c) => c.labeled).length, totalClasses: classes.length },
    labelingOrder: labelingOrder(s),
    topK: s.options.topK,
    extraction,
    mitigation,
    head: { source: s.headSource, mode: s.options.headMode },
  };
}
