import { gapReport, rankReport } from './report';
import type { AnalysisView } from './queries/sessionView';

const num = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(1));

/** A human-readable report: summary, per-class gaps with intervals, and each class's top features and labels. */
export function markdownReport(s: AnalysisView): string {
  const g = gapReport(s);
  const r = rankReport(s, 3);
  const lines: string[] = [];
  lines.push(`# Spuriosity report: ${s.dataset.root}`, '');
  lines.push(`- Model: ${g.model.name ?? g.model.path} (sha256 ${g.model.sha256.slice(0, 12)}…), head: ${g.head}`);
  lines.push(`- Images: ${g.dataset.images.train} train, ${g.dataset.images.val} validation; validation accuracy ${num(g.valAccuracy)}%`);
  lines.push(g.meanGap
    ? `- Mean spurious gap (k = ${g.k}): **${num(g.meanGap.value)} points** (95% CI ${num(g.meanGap.lo)} to ${num(g.meanGap.hi)}) over ${g.classes.length} class(es)`
    : '- No class has a spurious feature labeled yet: no gap to report.');
  lines.push('', '## Spurious gap per class', '', '| class | val images | k | acc. high | acc. low | gap | 95% CI |', '|---|---:|---:|---:|---:|---:|---|');
  for (const c of g.classes) {
    lines.push(`| ${c.name}${c.negative ? ' ⚠ negative' : ''} | ${c.valImages} | ${c.k} | ${num(c.accHigh)} | ${num(c.accLow)} | ${num(c.gap)} | ${c.ci ? `${num(c.ci[0])} to ${num(c.ci[1])}` : '–'} |`);
  }
  if (g.unranked.length) lines.push('', `Classes without a spurious feature (no ranking, left out of the mean): ${g.unranked.join(', ')}.`);
  lines.push('', '## Top features per class', '');
  for (const c of r.classes) {
    lines.push(`### ${c.name}`, '', '| feature | importance | per-feature gap | label |', '|---:|---:|---:|---|');
    for (const f of c.topFeatures) lines.push(`| ${f.feature} | ${f.importance.toFixed(3)} | ${num(f.perFeatureGap)} | ${f.label ?? 'unlabeled'}${f.subtype ? ` (${f.subtype})` : ''} |`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`;
}
