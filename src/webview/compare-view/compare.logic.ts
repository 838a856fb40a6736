// Pure pieces of the model comparison view: the accuracy scatter's Chart.js configuration (type-only
// Chart.js import, so it is unit-tested without a canvas) and the correlation matrix's cell colours.
import type { ChartConfiguration } from 'chart.js';
import type { CompareModelView, ComparisonView } from '../../shared/protocol';
import type { ChartTheme } from '../lib/theme';
import { withAlpha } from '../lib/color';

/** Labels drawn beside scatter points by the pointLabels plugin. */
export interface PointLabelOptions {
  /** Dataset whose points get labels, and one label per point. */
  datasetIndex: number;
  labels: string[];
  color: string;
}

const pts = (x: number): number => +(x * 100).toFixed(3);

/** Models that can be plotted: included in the statistics, with both accuracies. */
export function plottedModels(c: ComparisonView): CompareModelView[] {
  return c.models.filter((m) => m.included && m.accHigh !== null && m.accLow !== null);
}

/** Axis range (points) holding every plotted model with a margin, within 0..100. */
export function scatterRange(models: readonly CompareModelView[]): [number, number] {
  const v = models.flatMap((m) => [pts(m.accHigh!), pts(m.accLow!)]);
  if (v.length === 0) return [0, 100];
  const lo = Math.min(...v);
  const hi = Math.max(...v);
  const pad = Math.max(2, (hi - lo) * 0.15);
  return [Math.max(0, Math.floor(lo - pad)), Math.min(100, Math.ceil(hi + pad))];
}

/**
 * Scatter of accuracy on high- (x) vs low-spuriosity (y) validation images, one labelled point per model,
 * the through-origin fit acc_low = beta * acc_high that effective robustness is measured against, and y = x dashed.
 */
export function compareScatterConfig(c: ComparisonView, t: ChartTheme): ChartConfiguration<'scatter'> {
  const models = plottedModels(c);
  const [lo, hi] = scatterRange(models);
  const width = t.highContrast ? 3 : 2;
  const datasets: ChartConfiguration<'scatter'>['data']['datasets'] = [{
    label: 'Models', data: models.map((m) => ({ x: pts(m.accHigh!), y: pts(m.accLow!) })),
    backgroundColor: t.highContrast ? t.blue : withAlpha(t.blue, 0.8, t.blue), borderColor: t.blue, pointRadius: 5, pointHoverRadius: 7,
    // a model at 100% sits on the plot's edge: draw its whole dot, not half of it
    clip: false,
  }];
  if (c.fit) {
    datasets.push({
      label: `Fit: acc_low = ${c.fit.beta.toFixed(3)} × acc_high`, data: [{ x: lo, y: c.fit.beta * lo }, { x: hi, y: c.fit.beta * hi }],
      showLine: true, borderColor: t.orange, backgroundColor: t.orange, borderWidth: width, pointRadius: 0, pointHoverRadius: 0, pointStyle: 'line',
    });
  }
  datasets.push({
    label: 'y = x (no gap)', data: [{ x: lo, y: lo }, { x: hi, y: hi }],
    showLine: true, borderColor: t.foreground, backgroundColor: t.foreground, borderWidth: 1, borderDash: [6, 4], pointRadius: 0, pointHoverRadius: 0, pointStyle: 'line',
  });
  const pointLabels: PointLabelOptions = { datasetIndex: 0, labels: models.map((m) => m.id), color: t.foreground };
  const axis = (title: string) => ({
    min: lo, max: hi, ticks: { color: t.foreground }, grid: { color: t.lines }, border: { color: t.lines },
    title: { display: true, text: title, color: t.foreground },
  });
  return {
    type: 'scatter',
    data: { datasets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      layout: { padding: { top: 8, right: 10 } },
      color: t.foreground,
      font: { family: t.fontFamily, size: t.fontSize },
      // Point styles in the legend: a dot for models, a line for the fit and y = x (a dashed box reads as hatching).
      plugins: { legend: { labels: { color: t.foreground, usePointStyle: true } }, tooltip: { enabled: true }, pointLabels } as never,
      scales: { x: axis('accuracy on high-spuriosity images (%)'), y: axis('accuracy on low-spuriosity images (%)') },
    },
  };
}

/**
 * Background of a correlation cell: orange for positive, blue for negative r, stronger with |r|,
 * mixed from the theme's chart colours in CSS so it follows theme switches without a redraw.
 */
export function correlationCellStyle(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '';
  const share = Math.round(Math.min(1, Math.abs(r)) * 55);
  const colour = r >= 0 ? 'var(--vscode-charts-orange)' : 'var(--vscode-charts-blue)';
  return `background: color-mix(in srgb, ${colour} ${share}%, transparent)`;
}

/** "r = 0.69" style text of a correlation, or why it is missing. */
export function correlationText(r: number | null, shared: number): string {
  if (r === null || !Number.isFinite(r)) return shared < 3 ? `n/a (${shared} shared classes)` : 'n/a (constant gaps)';
  return r.toFixed(2);
}
