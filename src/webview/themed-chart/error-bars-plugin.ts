// Chart.js plugin drawing 95% interval whiskers on bars and an optional mean line.
import type { Chart, Plugin } from 'chart.js';
import type { ErrorBarOptions } from '../lib/chart-configs';

/** Draws whiskers from options.plugins.errorBars after the datasets. */
export const errorBarsPlugin: Plugin<'bar'> = {
  id: 'errorBars',
  afterDatasetsDraw(chart: Chart<'bar'>, _args, options) {
    const opts = options as Partial<ErrorBarOptions> | undefined;
    if (!opts || !opts.bars || !opts.color) return;
    const y = chart.scales.y;
    const ctx = chart.ctx;
    ctx.save();
    ctx.strokeStyle = opts.color;
    ctx.lineWidth = 1;
    for (const [dsIndex, bars] of Object.entries(opts.bars)) {
      const meta = chart.getDatasetMeta(Number(dsIndex));
      if (meta.hidden) continue;
      meta.data.forEach((el, i) => {
        const b = bars[i];
        if (!b) return;
        const { x, width } = el.getProps(['x', 'width'], true) as { x: number; width: number };
        // Caps shrink with the bars so 1,000 classes do not turn into a solid band.
        const cap = Math.max(1, Math.min(6, width / 3));
        // Narrow bars get faint whiskers, or hundreds of them hide the bars they belong to.
        ctx.globalAlpha = width < 6 ? 0.3 : 1;
        const top = y.getPixelForValue(b[1]);
        const bottom = y.getPixelForValue(b[0]);
        ctx.beginPath();
        ctx.moveTo(x, top); ctx.lineTo(x, bottom);
        if (width > 3) {
          ctx.moveTo(x - cap, top); ctx.lineTo(x + cap, top);
          ctx.moveTo(x - cap, bottom); ctx.lineTo(x + cap, bottom);
        }
        ctx.stroke();
      });
    }
    ctx.globalAlpha = 1;
    if (opts.mean) {
      const py = y.getPixelForValue(opts.mean.value);
      const { left, right } = chart.chartArea;
      ctx.strokeStyle = opts.mean.color;
      ctx.fillStyle = opts.mean.color;
      ctx.setLineDash([6, 4]);
      ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(left, py); ctx.lineTo(right, py); ctx.stroke();
      ctx.setLineDash([]);
      ctx.textAlign = 'right';
      ctx.textBaseline = 'bottom';
      ctx.fillText(opts.mean.label, right - 4, py - 2);
    }
    ctx.restore();
  },
};
