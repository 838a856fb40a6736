// Chart.js plugin writing a label beside each point of one dataset (Chart.js labels points only in tooltips).
import type { Chart, Plugin } from 'chart.js';
import type { PointLabelOptions } from '../compare-view/compare.logic';

/** Draws options.plugins.pointLabels after the datasets; labels flip to the left near the right edge. */
export const pointLabelsPlugin: Plugin<'scatter'> = {
  id: 'pointLabels',
  afterDatasetsDraw(chart: Chart<'scatter'>, _args, options) {
    const opts = options as Partial<PointLabelOptions> | undefined;
    if (!opts || !opts.labels || opts.datasetIndex === undefined || !opts.color) return;
    const meta = chart.getDatasetMeta(opts.datasetIndex);
    if (meta.hidden) return;
    const ctx = chart.ctx;
    const { right } = chart.chartArea;
    ctx.save();
    ctx.fillStyle = opts.color;
    ctx.textBaseline = 'middle';
    meta.data.forEach((el, i) => {
      const text = opts.labels![i];
      if (!text) return;
      const { x, y } = el.getProps(['x', 'y'], true) as { x: number; y: number };
      const w = ctx.measureText(text).width;
      const flip = x + 8 + w > right;
      ctx.textAlign = flip ? 'right' : 'left';
      ctx.fillText(text, flip ? x - 8 : x + 8, y - 8);
    });
    ctx.restore();
  },
};
