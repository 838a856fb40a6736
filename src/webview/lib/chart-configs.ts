// Chart.js configurations for the panel's charts, built from data and a theme. Pure (type-only
// Chart.js imports) so the data mapping is unit-tested; the themed-chart element draws them.
import type { ChartConfiguration } from 'chart.js';
import type { ClassSummary, Interval, MitigationPoint, MitigationResult } from '../../shared/protocol';
import { withAlpha } from './color';
import { significanceOf } from './significance';
import { signed } from '../../shared/signed';
import type { ChartTheme } from './theme';
import { beforeAfterSeries } from '../mitigation-view/mitigation.logic';

/** Whiskers per bar, drawn by the errorBars plugin (Chart.js has no built-in error bars). */
export interface ErrorBarOptions {
  /** Per dataset index, per data index: [lo, hi] in the axis unit, or null for no whisker. */
  bars: Record<number, Array<[number, number] | null>>;
  color: string;
  /** Optional horizontal reference line (the mean gap), in the axis unit. */
  mean?: { value: number; label: string; color: string };
}

const pts = (x: number): number => +(x * 100).toFixed(3);

function baseOptions(t: ChartTheme) {
  return {
    responsive: true, maintainAspectRatio: false, animation: false as const,
    color: t.foreground,
    font: { family: t.fontFamily, size: t.fontSize },
    plugins: { legend: { labels: { color: t.foreground } }, tooltip: { enabled: true } },
  };
}

function axis(t: ChartTheme, title: string, extra: Record<string, unknown> = {}) {
  return {
    // Chart.js formats ticks with a hyphen-minus: the panel's one minus sign instead
    ticks: { color: t.foreground, callback: (v: number | string) => (typeof v === 'number' ? signed(v, Number.isInteger(v) ? 0 : 1) : v) },
    grid: { color: t.lines }, border: { color: t.lines },
    title: { display: title !== '', text: title, color: t.foreground }, ...extra,
  };
}

/** Bars of the gap per class (classes with a gap only, largest first) with 95% whiskers and the mean as a line. */
export function gapChartConfig(classes: readonly ClassSummary[], mean: Interval | null, t: ChartTheme): ChartConfiguration<'bar'> {
  const rows = classes.filter((c) => c.gap !== null).sort((a, b) => b.gap!.value - a.gap!.value || a.name.localeCompare(b.name));
  // a gap whose interval includes 0 is drawn hollow: not a finding
  const open = (c: ClassSummary): boolean => significanceOf(c) === 'not-significant';
  const fill = (c: ClassSummary): string => {
    const col = c.gap!.value < 0 ? t.blue : t.orange;
    if (open(c)) return t.highContrast ? 'transparent' : withAlpha(col, 0.2, col);
    return t.highContrast ? col : withAlpha(col, 0.75, col);
  };
  const errorBars: ErrorBarOptions = {
    bars: { 0: rows.map((c) => [pts(c.gap!.lo), pts(c.gap!.hi)]) },
    color: t.foreground,
    ...(mean ? { mean: { value: pts(mean.value), label: `mean ${signed(pts(mean.value), 1, true)}`, color: t.red } } : {}),
  };
  // The axis must hold the whiskers, not just the bars, or wide intervals are clipped.
  const ends = rows.flatMap((c) => [pts(c.gap!.lo), pts(c.gap!.hi)]);
  const yMin = Math.min(0, ...ends);
  const yMax = Math.max(0, ...ends);
  return {
    type: 'bar',
    data: {
      labels: rows.map((c) => c.name),
      datasets: [{
        label: 'Spurious gap (points)', data: rows.map((c) => pts(c.gap!.value)),
        backgroundColor: rows.map(fill), borderColor: rows.map((c) => (c.gap!.value < 0 ? t.blue : t.orange)),
        borderWidth: t.highContrast ? 2 : 1, maxBarThickness: 64,
      }],
    },
    options: {
      ...baseOptions(t),
      plugins: { ...baseOptions(t).plugins, legend: { display: false }, errorBars } as never,
      scales: {
        x: axis(t, '', { ticks: { color: t.foreground, autoSkip: true, maxRotation: 60 }, grid: { display: false } }),
        y: axis(t, 'gap (points)', { suggestedMin: yMin, suggestedMax: yMax }),
      },
    },
  };
}

/** Live mean gap and accuracy per epoch of the running mitigation. */
export function progressChartConfig(history: readonly MitigationPoint[], t: ChartTheme): ChartConfiguration<'line'> {
  const width = t.highContrast ? 3 : 2;
  return {
    type: 'line',
    data: {
      labels: history.map((p) => String(p.epoch)),
      datasets: [
        { label: 'Mean gap (points)', data: history.map((p) => (p.gap === null ? null : pts(p.gap))), borderColor: t.orange, backgroundColor: t.orange, borderWidth: width, spanGaps: true },
        { label: 'Accuracy (%)', data: history.map((p) => pts(p.accuracy)), borderColor: t.blue, backgroundColor: t.blue, borderWidth: width },
      ],
    },
    options: { ...baseOptions(t), scales: { x: axis(t, 'epoch'), y: axis(t, 'points') } },
  };
}

/** Grouped bars: gap and accuracy before and after, per method. */
export function beforeAfterConfig(results: readonly MitigationResult[], t: ChartTheme): ChartConfiguration<'bar'> {
  const { labels, series } = beforeAfterSeries(results);
  const colours = [t.orange, t.orange, t.blue, t.blue];
  return {
    type: 'bar',
    data: {
      labels,
      datasets: series.map((s, i) => ({
        label: s.name, data: s.values,
        // "before" bars are hollow, "after" bars filled: readable without relying on colour alone.
        backgroundColor: i % 2 === 0 ? withAlpha(colours[i], t.highContrast ? 0 : 0.15, 'transparent') : colours[i],
        borderColor: colours[i], borderWidth: 2, maxBarThickness: 56,
      })),
    },
    // the method axis is a category axis: Chart.js hands its tick callback the index, so axis()'s number
    // formatter would print "0" under the bars instead of the method's name
    options: { ...baseOptions(t), scales: { x: axis(t, '', { ticks: { color: t.foreground }, grid: { display: false } }), y: axis(t, 'points') } },
  };
}
