// The JSON documents of `spuriosity rank` / `spuriosity gap` and the extension's "Export Report".
// All accuracies and gaps are in percentage points (0-100), rounded to 0.01.
import type { SplitRanking } from '../../core/spuriosity';
import { gapSignificance, valImagesForSignificance } from '../../core/gap';
import type { AnalysisView } from './queries/sessionView';

const pts = (x: number) => (Number.isFinite(x) ? Math.round(x * 10000) / 100 : null);

/** Identification of the data and model every report starts with. */
export function reportHeader(s: AnalysisView) {
  const { train, val } = s.splitCounts();
  return {
    dataset: { root: s.dataset.root, layout: s.dataset.layout, validationSource: s.dataset.validationSource, classes: s.dataset.classes.length, images: { train, val, excluded: s.excludedCount } },
    model: { path: s.model.path, sha256: s.model.sha256, name: s.model.card.name ?? null, dim: s.model.dim, classes: s.model.classes },
    head: s.headSource,
    unmappedClasses: s.unmapped,
    valAccuracy: pts(s.valAccuracy()),
  };
}

/** `spuriosity gap --json`: per-class gaps with bootstrap intervals, their mean, and which classes are left out and why. */
export function gapReport(s: AnalysisView) {
  const g = s.gaps;
  const measured = new Set(g.classes.map((c) => c.cls));
  return {
    schema: 'spuriosity-lens/gap@1',
    ...reportHeader(s),
    k: s.options.gapK,
    bootstrap: s.options.bootstrap,
    // the per-class rule for the mean too: a finding only when its interval excludes 0 (null without an interval)
    meanGap: g.classes.length ? {
      value: pts(g.mean), lo: pts(g.meanCi?.[0] ?? NaN), hi: pts(g.meanCi?.[1] ?? NaN),
      significance: g.meanCi ? gapSignificance(g.meanCi[0], g.meanCi[1]) : null,
    } : null,
    negativeShare: g.classes.length ? Math.round(g.negativeShare * 10000) / 10000 : null,
    classes: g.classes.map((c) => ({
      name: s.classNames[c.cls], valImages: c.n, k: c.k, accHigh: pts(c.accHigh), accLow: pts(c.accLow), gap: pts(c.gap),
      ci: c.ci ? [pts(c.ci[0]), pts(c.ci[1])] : null, negative: c.negative,
      // the panel's rule: a finding only when the interval excludes 0 (null without an interval)
      significance: c.ci ? gapSignificance(c.ci[0], c.ci[1]) : null,
      valImagesNeeded: c.ci && gapSignificance(c.ci[0], c.ci[1]) === 'not-significant' ? valImagesForSignificance(c.n, c.gap, c.ci[0], c.ci[1]) : null,
    })),
    excluded: g.excluded.map((e) => ({ name: s.classNames[e.cls], reason: e.reason })),
    unranked: s.datasetClassIds.filter((c) => !measured.has(c) && !g.excluded.some((e) => e.cls === c)).map((c) => s.classNames[c]),
  };
}

function ends(s: AnalysisView, r: SplitRanking, n: number) {
  const item = (j: number) => ({ image: s.entries[r.order[j]].rel, spuriosity: Math.round(r.scores[j] * 1e4) / 1e4, correct: s.correct[r.order[j]] === 1 });
  const m = r.order.length;
  return {
    images: m,
    lowest: Array.from({ length: Math.min(n, m) }, (_, j) => item(j)),
    highest: Array.from({ length: Math.min(n, m) }, (_, j) => item(m - 1 - j)),
    zeroSigmaFeatures: r.zeroSigma,
  };
}

/** `spuriosity rank --json`: per class its top features (importance, per-feature gap, labels, top images) and its rankings' ends. */
export function rankReport(s: AnalysisView, show = 5) {
  return {
    schema: 'spuriosity-lens/rank@1',
    ...reportHeader(s),
    topK: s.options.topK,
    grouping: s.options.grouping,
    classes: s.datasetClassIds.map((cls) => {
      const imp = s.importance[cls];
      const verdicts = s.verdicts(cls);
      const fg = s.featureGapsByClass.get(cls) ?? [];
      const r = s.spuriosity.rankings[cls];
      let ok = 0;
      for (const i of s.index.val[cls]) ok += s.correct[i];
      return {
        name: s.classNames[cls],
        trainImages: s.index.train[cls].length,
        valImages: s.index.val[cls].length,
        valAccuracy: s.index.val[cls].length ? pts(ok / s.index.val[cls].length) : null,
        topFeatures: imp.top.map((f, j) => {
          const g = fg.find((x) => x.feature === f);
          const v = verdicts.get(f);
          return {
            feature: f, importance: Math.round(imp.topImportance[j] * 1e4) / 1e4,
            perFeatureGap: g ? pts(g.gap) : null, perFeatureGapSplit: g?.split ?? null,
            label: v?.label ?? null, subtype: v?.subtype ?? null,
            topImages: (g?.topImages ?? []).map((i) => s.entries[i].rel),
          };
        }),
        noFeaturesReason: imp.reason ?? null,
        spuriousFeatures: s.spuriosity.spurious[cls],
        ranking: r ? { train: ends(s, r.train, show), val: ends(s, r.val, show) } : null,
      };
    }),
  };
}
