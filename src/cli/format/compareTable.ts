// The human-readable `spuriosity compare` report: models, gaps per class per model, correlation matrix, variance
// ratio, fit and effective robustness.
import type { CompareReport } from '../../engine/api/analyses';
import { table } from './table';

const num = (x: number | null, digits: number) => (x === null ? '–' : x.toFixed(digits));
const signed = (x: number | null) => (x === null ? '–' : `${x > 0 ? '+' : ''}${x.toFixed(1)}`);

/** table() right-aligns only number cells; these columns hold fixed-decimal strings, so pad them to the column width. */
function rightAlign(header: string[], rows: string[][], from: number): string {
  const widths = header.map((h, j) => Math.max(h.length, ...rows.map((r) => r[j].length)));
  return table(header, rows.map((r) => r.map((c, j) => (j >= from ? c.padStart(widths[j]) : c))));
}

/** Renders a compare report as plain text (accuracies and gaps in points). */
export function formatCompare(r: CompareReport): string {
  const out: string[] = [];
  out.push(`Comparing ${r.models.length} models on ${r.dataset.root} (${r.dataset.classes.length} classes, ${r.dataset.images.val} validation images; gap k = ${r.gapK})`);
  out.push('Gap = accuracy on the k highest- minus the k lowest-spuriosity validation images of a class, in points; acc high / low are their means over the classes with a gap.');
  out.push('');
  out.push(rightAlign(
    ['model', 'head', 'val acc', 'spurious pairs', 'classes', 'acc high', 'acc low', 'mean gap', 'fit low', 'eff. robustness'],
    r.models.map((m) => [m.id + (m.included ? '' : ' (left out)'), m.head ?? '–', num(m.valAccuracy, 1), String(m.spuriousPairs), String(m.classes.length),
      num(m.accHigh, 1), num(m.accLow, 1), num(m.meanGap, 1), num(m.predictedAccLow, 1), signed(m.effectiveRobustness)]),
    2,
  ));
  out.push('');
  out.push('Gap per class (points; – : no gap, the model has no spurious feature labelled for the class or too few images)');
  out.push(rightAlign(['class', ...r.models.map((m) => m.id)], r.gapTable.map((row) => [row.class, ...row.gaps.map((g) => num(g, 1))]), 1));
  if (r.correlation) {
    const c = r.correlation;
    out.push('');
    out.push('Pearson r of class-wise gaps (over the classes both models have a gap for; – : undefined)');
    out.push(rightAlign(['', ...c.models], c.models.map((id, i) => [id, ...c.matrix[i].map((v) => num(v, 2))]), 1));
    const defined = c.pairs.filter((p) => p.r !== null).length;
    out.push(`Mean pairwise r: ${num(c.meanPairwise, 2)} over ${defined} of ${c.pairs.length} pair(s) (paper, 89 ImageNet models: 0.69)`);
  }
  if (r.variance) {
    const v = r.variance;
    out.push(`Variance of gaps over the ${v.classes.length} classes every included model measures: across classes ${v.acrossClasses.toFixed(1)} points², ` +
      `across models ${v.acrossModels.toFixed(1)} points², ratio ${num(v.ratio, 2)} (paper: 3.1)`);
  }
  if (r.fit) {
    const f = r.fit;
    const ols = f.ols ? `; with an intercept: acc_low = ${f.ols.slope.toFixed(3)} × acc_high ${f.ols.intercept < 0 ? '−' : '+'} ${Math.abs(f.ols.intercept).toFixed(1)} (R² ${num(f.ols.r2, 3)})` : '';
    out.push(`Fit across models: acc_low = ${f.beta.toFixed(4)} × acc_high (through the origin, R² ${num(f.r2, 3)})${ols}`);
    out.push('Effective robustness = acc low − the through-origin fit\'s prediction (column "eff. robustness").');
  }
  if (r.notes.length) {
    out.push('');
    out.push('Notes:');
    for (const n of r.notes) out.push(`- ${n}`);
  }
  return out.join('\n');
}
