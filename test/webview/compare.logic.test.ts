import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompareModelView, ComparisonView } from '../../src/shared/protocol';
import { compareScatterConfig, correlationCellStyle, correlationText, scatterRange, type PointLabelOptions } from '../../src/webview/compare-view/compare.logic';
import { FALLBACK_THEME } from '../../src/webview/lib/theme';

const model = (id: string, hi: number | null, lo: number | null, included = true): CompareModelView => ({
  id, path: `/m/${id}.onnx`, accuracy: 0.9, accHigh: hi, accLow: lo, meanGap: hi !== null && lo !== null ? hi - lo : null,
  classes: 3, included, note: included ? null : 'nothing labeled', effectiveRobustness: null,
});

const comparison = (models: CompareModelView[], beta: number | null): ComparisonView => ({
  dataset: 'd', models, fit: beta === null ? null : { beta, r2: 0.9, ols: null }, matrixModels: [], matrix: [], shared: [],
  meanCorrelation: null, variance: null, gapTable: [], notes: [],
});

test('scatter: one labelled point per included model (x = acc high, y = acc low, in %), fit through the origin, y = x dashed', () => {
  const c = comparison([model('a', 0.9, 0.7), model('b', 0.8, 0.75), model('c', null, null), model('d', 0.95, 0.9, false)], 0.85);
  const cfg = compareScatterConfig(c, FALLBACK_THEME);
  const [pts, fit, diag] = cfg.data.datasets;
  assert.deepEqual(pts.data, [{ x: 90, y: 70 }, { x: 80, y: 75 }]);
  const [lo, hi] = scatterRange([model('a', 0.9, 0.7), model('b', 0.8, 0.75)]);
  assert.deepEqual([lo, hi], [67, 93], 'range holds 70..90 with a 15% (min 2 point) margin');
  assert.deepEqual(fit.data, [{ x: lo, y: 0.85 * lo }, { x: hi, y: 0.85 * hi }]);
  assert.deepEqual(diag.data, [{ x: lo, y: lo }, { x: hi, y: hi }]);
  assert.deepEqual((diag as { borderDash?: number[] }).borderDash, [6, 4]);
  const labels = (cfg.options?.plugins as unknown as { pointLabels: PointLabelOptions }).pointLabels;
  assert.deepEqual(labels.labels, ['a', 'b']);
});

test('scatter without a fit draws only the points and y = x', () => {
  const cfg = compareScatterConfig(comparison([model('a', 0.9, 0.7)], null), FALLBACK_THEME);
  assert.equal(cfg.data.datasets.length, 2);
  assert.deepEqual(scatterRange([]), [0, 100]);
});

test('correlation cells: orange for positive, blue for negative, stronger with |r|; missing r explained', () => {
  assert.equal(correlationCellStyle(1), 'background: color-mix(in srgb, var(--vscode-charts-orange) 55%, transparent)');
  assert.equal(correlationCellStyle(-0.5), 'background: color-mix(in srgb, var(--vscode-charts-blue) 28%, transparent)');
  assert.equal(correlationCellStyle(null), '');
  assert.equal(correlationText(0.6912, 10), '0.69');
  assert.equal(correlationText(null, 2), 'n/a (2 shared classes)');
  assert.equal(correlationText(null, 8), 'n/a (constant gaps)');
});
