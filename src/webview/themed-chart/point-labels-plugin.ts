// Chart.js plugin writing a label beside each point of one dataset (Chart.js labels points only in tooltips).
import type { Chart, Plugin } from 'chart.js';
import { toFont } from 'chart.js/helpers';
import { placeLabels, type PointLabelOptions } from '../compare-view/compare.logic';

/** Draws options.plugins.pointLabels after the datasets, placed by placeLabels and haloed for contrast over lines. */
export const pointLabelsPlugin: Plugin<'scatter'> = {
  id: 'pointLabels',
  afterDatasetsDraw(chart: Chart<'scatter'>, _args, options) {
    const opts = options as Partial<PointLabelOptions> | undefined;
    if (!opts || !opts.labels || opts.datasetIndex === undefined || !opts.color) return;
    const meta = chart.getDatasetMeta(opts.datasetIndex);
    if (meta.hidden) return;
    const ctx = chart.ctx;
    ctx.save();
    ctx.textBaseline = 'middle';
    const font = toFont(chart.options.font ?? {});
    ctx.font = font.string;
    const height = font.lineHeight;
    // the plot area plus the padding above and right of it: never onto the axis ticks, the legend or out of the canvas
    const { left, top, bottom } = chart.chartArea;
    const area = { left, right: chart.width, top: top - 8, bottom };
    const points = meta.data.map((el, i) => {
      const { x, y } = el.getProps(['x', 'y'], true) as { x: number; y: number };
      return { x, y, width: ctx.measureText(opts.labels![i] ?? '').width, text: opts.labels![i] ?? '' };
    });
    const spots = placeLabels(points, height, area);
    ctx.lineJoin = 'round';
    ctx.lineWidth = 3;
    ctx.strokeStyle = opts.halo ?? 'transparent';
    ctx.fillStyle = opts.color;
    points.forEach((p, i) => {
      if (!p.text) return;
      const s = spots[i];
      ctx.textAlign = s.align;
      if (opts.halo) ctx.strokeText(p.text, s.x, s.y);
      ctx.fillText(p.text, s.x, s.y);
    });
    ctx.restore();
  },
};
