// The across-model statistics of a comparison, from each model's per-class gaps: correlation of class-wise gaps,
// variance across classes vs across models, and the fit behind effective robustness (core/compare.ts does the math).
import {
  correlationMatrix, effectiveRobustness, fitLine, gapVariance, MIN_SHARED_CLASSES,
} from '../../core/compare';
import type { ModelGaps } from './modelSummary';
import { fromPoints, toPoints } from '../../core/vocabulary';
import type { CompareCorrelation, CompareFit, CompareModel, CompareVariance } from './types';

const round4 = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** What the statistics add to a report; `models` entries get their predicted accLow and effective robustness filled in. */
export interface CompareStatistics {
  correlation: CompareCorrelation | null;
  variance: CompareVariance | null;
  fit: CompareFit | null;
  notes: string[];
}

/**
 * Computes the statistics over the included models (gaps in points, so variances are in points²). `classes` is the
 * dataset's class order; a class a model has no gap for is NaN in its series, and the core skips it (never 0).
 */
export function compareStatistics(models: CompareModel[], gaps: ModelGaps[], classes: string[]): CompareStatistics {
  const notes: string[] = [];
  const inc = models.map((m, i) => i).filter((i) => models[i].included);
  if (inc.length < 2) {
    notes.push(`${inc.length} model(s) with measured gaps: the correlation, variance ratio and fit need at least 2`);
    return { correlation: null, variance: null, fit: null, notes };
  }
  const ids = inc.map((i) => models[i].id);
  const series = inc.map((i) => classes.map((c) => (gaps[i].gap.get(c) ?? NaN) * 100));

  const cm = correlationMatrix(series);
  const pairs = [];
  for (let a = 0; a < ids.length; a++) {
    for (let b = a + 1; b < ids.length; b++) {
      const r = cm.r[a][b];
      pairs.push({ a: ids[a], b: ids[b], r: round4(r), classes: cm.shared[a][b] });
      if (!Number.isFinite(r)) {
        notes.push(cm.shared[a][b] < MIN_SHARED_CLASSES
          ? `${ids[a]} vs ${ids[b]}: ${cm.shared[a][b]} shared class(es) with a gap; a correlation needs at least ${MIN_SHARED_CLASSES}`
          : `${ids[a]} vs ${ids[b]}: one model's gaps are equal on every shared class, so the correlation is undefined (left out of the mean)`);
      }
    }
  }
  const correlation: CompareCorrelation = {
    models: ids, matrix: cm.r.map((row) => row.map(round4)), shared: cm.shared, pairs, meanPairwise: round4(cm.meanPairwise),
  };

  let variance: CompareVariance | null = null;
  try {
    const v = gapVariance(series);
    variance = {
      classes: v.classes.map((c) => classes[c]), acrossClasses: round4(v.acrossClasses)!, acrossModels: round4(v.acrossModels)!,
      ratio: Number.isFinite(v.ratio) ? round4(v.ratio) : null,
    };
    if (!Number.isFinite(v.ratio)) notes.push('the models agree exactly on every shared class (variance across models 0): no variance ratio');
  } catch (e) {
    notes.push(`variance across classes vs models: ${message(e)}`);
  }

  let fit: CompareFit | null = null;
  const x = inc.map((i) => gaps[i].accHigh * 100);
  const y = inc.map((i) => gaps[i].accLow * 100);
  try {
    const er = effectiveRobustness(x, y);
    let ols: CompareFit['ols'] = null;
    try {
      const l = fitLine(x, y);
      ols = { slope: round4(l.slope)!, intercept: round4(l.intercept)!, r2: round4(l.r2) };
    } catch (e) {
      notes.push(`intercept fit: ${message(e)}`);
    }
    fit = { beta: round4(er.fit.beta)!, r2: round4(er.fit.r2), ols, effectiveRobustnessFrom: 'origin' };
    inc.forEach((i, j) => {
      // the fit runs in points; rounded to 0.01 points like every figure of the report
      models[i].predictedAccLow = toPoints(fromPoints(er.predicted[j]));
      models[i].effectiveRobustness = toPoints(fromPoints(er.er[j]));
    });
    if (inc.length === 2) notes.push('2 models: the fit through the origin is a least-squares compromise between two points; effective robustness means more with 3 or more models');
  } catch (e) {
    notes.push(`effective robustness: ${message(e)}`);
  }
  return { correlation, variance, fit, notes };
}
