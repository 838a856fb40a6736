import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompareModelView, ComparisonView } from '../../src/shared/protocol';
import {
  compareScatterConfig, correlationCellStyle, correlationText, fitSegment, olsText, placeLabels, scatterBounds, type PointLabelOptions,
} from '../../src/webview/compare-view/compare.logic';
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
  // 68 (the fit at x = 80) .. 90, 2 points clear, spans 26 points: steps of 10 from 60 to 100
  assert.deepEqual(scatterBounds([model('a', 0.9, 0.7), model('b', 0.8, 0.75)], 0.85), { lo: 60, hi: 100, step: 10 });
  assert.deepEqual(fit.data, [{ x: 60 / 0.85, y: 60 }, { x: 100, y: 85 }], 'the fit enters the square at its bottom edge');
  assert.deepEqual(diag.data, [{ x: 60, y: 60 }, { x: 100, y: 100 }]);
  assert.deepEqual((diag as { borderDash?: number[] }).borderDash, [6, 4]);
  const x = cfg.options?.scales?.x as { min: number; max: number; ticks: { stepSize: number } };
  assert.deepEqual([x.min, x.max, x.ticks.stepSize], [60, 100, 10]);
  const labels = (cfg.options?.plugins as unknown as { pointLabels: PointLabelOptions }).pointLabels;
  assert.deepEqual(labels.labels, ['a', 'b']);
  assert.equal(labels.halo, FALLBACK_THEME.background);
});

test('scatter bounds: round, within 0..100, holding the points and the fit where the models are', () => {
  // the demo's three models: acc high 95..100, acc low 17..85, fit 0.594: 0..100 in steps of 20 (no "4" at the origin)
  const demo = [model('m', 1, 0.71), model('b', 0.99, 0.85), model('c', 0.95, 0.17)];
  assert.deepEqual(scatterBounds(demo, 0.594), { lo: 0, hi: 100, step: 20 });
  // close models: steps of 5
  assert.deepEqual(scatterBounds([model('a', 0.91, 0.88), model('b', 0.93, 0.9)], null), { lo: 85, hi: 95, step: 5 });
  // a far-off fit pulls the lower bound down to where the fit line is at the models' acc high
  assert.deepEqual(scatterBounds([model('a', 0.91, 0.88), model('b', 0.93, 0.9)], 0.5), { lo: 40, hi: 100, step: 20 });
  assert.deepEqual(scatterBounds([]), { lo: 0, hi: 100, step: 20 });
  for (const b of [scatterBounds(demo, 0.594), scatterBounds([model('a', 0.03, 0.01)], 1)]) {
    assert.ok(b.lo >= 0 && b.hi <= 100 && b.lo % b.step === 0 && b.hi % b.step === 0, JSON.stringify(b));
  }
});

test('fit segment: the part of acc_low = beta * acc_high inside the square', () => {
  assert.deepEqual(fitSegment(0.5, 0, 100), [{ x: 0, y: 0 }, { x: 100, y: 50 }]);
  assert.deepEqual(fitSegment(2, 0, 100), [{ x: 0, y: 0 }, { x: 50, y: 100 }]);
  assert.deepEqual(fitSegment(0.5, 60, 100), [], 'below the square');
  assert.deepEqual(fitSegment(-1, 0, 100), []);
});

test('scatter without a fit draws only the points and y = x', () => {
  const cfg = compareScatterConfig(comparison([model('a', 0.9, 0.7)], null), FALLBACK_THEME);
  assert.equal(cfg.data.datasets.length, 2);
});

test('the fit with an intercept is told in points with the range it was fitted on', () => {
  const c = comparison([model('m', 1, 0.71), model('b', 0.99, 0.85), model('c', 0.95, 0.17)], 0.594);
  assert.equal(olsText(c), null);
  c.fit!.ols = { slope: 12.5714, intercept: -11.743 };
  const t = olsText(c)!;
  assert.match(t, /accuracies in %: acc_low = 12\.57 × acc_high − 1174\.3\./);
  assert.match(t, /from 95\.0% to 100\.0% only/);
});

test('point labels: above right, flipped or moved below at the edges, apart from each other', () => {
  const area = { left: 0, right: 200, top: 0, bottom: 200 };
  const [free, right, top, corner] = placeLabels([
    { x: 50, y: 100, width: 40 }, { x: 190, y: 150, width: 40 }, { x: 20, y: 5, width: 40 }, { x: 195, y: 3, width: 40 },
  ], 12, area);
  assert.deepEqual(free, { x: 58, y: 92, align: 'left' });
  assert.deepEqual(right, { x: 182, y: 142, align: 'right' }, 'near the right edge: to the left of the point');
  assert.deepEqual(top, { x: 28, y: 13, align: 'left' }, 'near the top: below the point');
  assert.deepEqual(corner, { x: 187, y: 11, align: 'right' }, 'top right corner: below left');
  const [a, b] = placeLabels([{ x: 50, y: 100, width: 60 }, { x: 55, y: 102, width: 60 }], 12, area);
  assert.deepEqual(a, { x: 58, y: 92, align: 'left' });
  assert.notDeepEqual(b, { x: 63, y: 94, align: 'left' }, 'a second label close by does not sit on the first');
  assert.deepEqual(b, { x: 63, y: 110, align: 'left' }, 'above left would leave the area: below right');
});

test('correlation cells: orange for positive, blue for negative, stronger with |r|; missing r explained', () => {
  assert.equal(correlationCellStyle(1), 'background: color-mix(in srgb, var(--vscode-charts-orange) 55%, transparent)');
  assert.equal(correlationCellStyle(-0.5), 'background: color-mix(in srgb, var(--vscode-charts-blue) 28%, transparent)');
  assert.equal(correlationCellStyle(null), '');
  assert.equal(correlationText(0.6912, 10), '0.69');
  assert.equal(correlationText(null, 2), 'n/a (2 shared classes)');
  assert.equal(correlationText(null, 8), 'n/a (constant gaps)');
});
