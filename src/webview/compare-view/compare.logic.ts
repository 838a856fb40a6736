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
  /** Drawn under the text as a halo, so labels stay readable where they cross grid or fit lines. */
  halo: string;
}

const pts = (x: number): number => +(x * 100).toFixed(3);

/** Models that can be plotted: included in the statistics, with both accuracies. */
export function plottedModels(c: ComparisonView): CompareModelView[] {
  return c.models.filter((m) => m.included && m.accHigh !== null && m.accLow !== null);
}

/** Square axis bounds (points, the same on x and y so y = x is the diagonal) and the tick step. */
export interface ScatterBounds {
  lo: number;
  hi: number;
  step: number;
}

/**
 * Round bounds within 0..100 holding every plotted model and the fit line where the models are (acc_low = beta * acc_high
 * at their acc_high), 2 points clear of the data, at multiples of a step of 5, 10 or 20 chosen from the span.
 */
export function scatterBounds(models: readonly CompareModelView[], beta: number | null = null): ScatterBounds {
  const xs = models.map((m) => pts(m.accHigh!));
  const v = [...xs, ...models.map((m) => pts(m.accLow!)), ...(beta !== null && Number.isFinite(beta) ? xs.map((x) => beta * x) : [])];
  if (v.length === 0) return { lo: 0, hi: 100, step: 20 };
  const lo = Math.max(0, Math.min(...v) - 2);
  const hi = Math.min(100, Math.max(...v) + 2);
  const span = hi - lo;
  const step = span > 50 ? 20 : span > 20 ? 10 : 5;
  return { lo: Math.max(0, Math.floor(lo / step) * step), hi: Math.min(100, Math.ceil(hi / step) * step), step };
}

/** The part of acc_low = beta * acc_high inside the square [lo, hi]², as its two end points; empty when it misses the square. */
export function fitSegment(beta: number, lo: number, hi: number): Array<{ x: number; y: number }> {
  if (!(beta > 0)) return [];
  const x0 = Math.max(lo, lo / beta);
  const x1 = Math.min(hi, hi / beta);
  return x0 < x1 ? [{ x: x0, y: beta * x0 }, { x: x1, y: beta * x1 }] : [];
}

/**
 * Scatter of accuracy on high- (x) vs low-spuriosity (y) validation images, one labelled point per model,
 * the through-origin fit acc_low = beta * acc_high that effective robustness is measured against, and y = x dashed.
 */
export function compareScatterConfig(c: ComparisonView, t: ChartTheme): ChartConfiguration<'scatter'> {
  const models = plottedModels(c);
  const { lo, hi, step } = scatterBounds(models, c.fit?.beta ?? null);
  const width = t.highContrast ? 3 : 2;
  const datasets: ChartConfiguration<'scatter'>['data']['datasets'] = [{
    label: 'Models', data: models.map((m) => ({ x: pts(m.accHigh!), y: pts(m.accLow!) })),
    backgroundColor: t.highContrast ? t.blue : withAlpha(t.blue, 0.8, t.blue), borderColor: t.blue, pointRadius: 5, pointHoverRadius: 7,
    // a model at 100% sits on the plot's edge: draw its whole dot, not half of it
    clip: false,
  }];
  if (c.fit) {
    datasets.push({
      label: `Fit: acc_low = ${c.fit.beta.toFixed(3)} × acc_high`, data: fitSegment(c.fit.beta, lo, hi),
      showLine: true, borderColor: t.orange, backgroundColor: t.orange, borderWidth: width, pointRadius: 0, pointHoverRadius: 0, pointStyle: 'line',
    });
  }
  datasets.push({
    label: 'y = x (no gap)', data: [{ x: lo, y: lo }, { x: hi, y: hi }],
    showLine: true, borderColor: t.foreground, backgroundColor: t.foreground, borderWidth: 1, borderDash: [6, 4], pointRadius: 0, pointHoverRadius: 0, pointStyle: 'line',
  });
  const pointLabels: PointLabelOptions = { datasetIndex: 0, labels: models.map((m) => m.id), color: t.foreground, halo: t.background };
  const axis = (title: string) => ({
    min: lo, max: hi, ticks: { color: t.foreground, stepSize: step }, grid: { color: t.lines }, border: { color: t.lines },
    title: { display: true, text: title, color: t.foreground },
  });
  return {
    type: 'scatter',
    data: { datasets },
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      // room for a whole dot and a label of a model at 100% on the top or right edge
      layout: { padding: { top: 10, right: 12 } },
      color: t.foreground,
      font: { family: t.fontFamily, size: t.fontSize },
      // Point styles in the legend: a dot for models, a line for the fit and y = x (a dashed box reads as hatching).
      plugins: {
        legend: { labels: { color: t.foreground, usePointStyle: true } },
        tooltip: { enabled: true, filter: (item: { datasetIndex: number }) => item.datasetIndex === 0, callbacks: {
          label: (item: { dataIndex: number; parsed: { x: number; y: number } }) =>
            `${models[item.dataIndex]?.id ?? ''}: ${item.parsed.x.toFixed(1)}% high, ${item.parsed.y.toFixed(1)}% low`,
        } },
        pointLabels,
      } as never,
      scales: { x: axis('accuracy on high-spuriosity images (%)'), y: axis('accuracy on low-spuriosity images (%)') },
    },
  };
}

/**
 * The least-squares fit with an intercept, for a tooltip: in points (the slope is unitless), with the acc_high range it
 * was fitted on, because over a few points' range its intercept is a far extrapolation. Null when there is none.
 */
export function olsText(c: ComparisonView): string | null {
  const ols = c.fit?.ols;
  if (!ols) return null;
  const xs = plottedModels(c).map((m) => pts(m.accHigh!));
  const b = ols.intercept * 100;
  const range = xs.length ? ` Fitted on acc_high from ${Math.min(...xs).toFixed(1)}% to ${Math.max(...xs).toFixed(1)}% only, so the intercept (acc_low at acc_high = 0) is an extrapolation.` : '';
  return `For reference, least squares with an intercept, accuracies in %: acc_low = ${ols.slope.toFixed(2)} × acc_high ${b < 0 ? '−' : '+'} ${Math.abs(b).toFixed(1)}.${range}`
    + ' Effective robustness is measured from the fit through the origin, as in the paper.';
}

/** A label's box on the canvas: left edge, vertical centre, width; the height is shared. */
export interface PlacedLabel {
  x: number;
  y: number;
  align: 'left' | 'right';
}

/**
 * Where to write each point's label: above right of the point, else above left, below right, below left, the first
 * that stays inside the chart area and clear of the labels placed before it (else the first inside the area, else
 * above right): labels of models near an edge or near each other stay whole and apart.
 */
export function placeLabels(points: ReadonlyArray<{ x: number; y: number; width: number }>, height: number,
  area: { left: number; right: number; top: number; bottom: number }, gap = 8): PlacedLabel[] {
  const placed: Array<{ l: number; r: number; t: number; b: number }> = [];
  return points.map((p) => {
    const candidates: PlacedLabel[] = [
      { x: p.x + gap, y: p.y - gap, align: 'left' }, { x: p.x - gap, y: p.y - gap, align: 'right' },
      { x: p.x + gap, y: p.y + gap, align: 'left' }, { x: p.x - gap, y: p.y + gap, align: 'right' },
    ];
    const box = (c: PlacedLabel) => {
      const l = c.align === 'left' ? c.x : c.x - p.width;
      return { l, r: l + p.width, t: c.y - height / 2, b: c.y + height / 2 };
    };
    const inside = (b: ReturnType<typeof box>) => b.l >= area.left && b.r <= area.right && b.t >= area.top && b.b <= area.bottom;
    const clear = (b: ReturnType<typeof box>) => placed.every((o) => b.r <= o.l || b.l >= o.r || b.b <= o.t || b.t >= o.b);
    const pick = candidates.find((c) => inside(box(c)) && clear(box(c))) ?? candidates.find((c) => inside(box(c))) ?? candidates[0];
    placed.push(box(pick));
    return pick;
  });
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

/** Models that could be analysed but have nothing labeled spurious: they need labels before they get a gap. */
export function unlabeledModels(c: ComparisonView): ComparisonView['models'] {
  return c.models.filter((m) => m.sha256 !== undefined && m.spuriousPairs === 0 && m.accuracy !== null);
}
