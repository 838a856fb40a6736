// Comparing models on one dataset (section 4.2, appendix D): correlation of class-wise gaps, variance across classes
// vs across models, and effective robustness. Inputs are per-class series aligned on the same classes; NaN marks a
// class a model has no gap for (no spurious feature, too few images): such classes are skipped, never read as 0.
import { pearson } from './stats';

/** Fewest shared classes for a correlation: with 2 points Pearson's r is always ±1 and says nothing. */
export const MIN_SHARED_CLASSES = 3;

/** Correlation of two models' class-wise gaps over the classes both have. */
export interface ClasswiseCorrelation {
  /** Pearson r; NaN when fewer than `minShared` classes are shared or either series is constant over them. */
  r: number;
  /** Classes both models have a gap for. */
  n: number;
}

function requireModels(gaps: ArrayLike<number>[], what: string): number {
  if (gaps.length < 2) throw new RangeError(`${what} needs at least 2 models, got ${gaps.length}`);
  const c = gaps[0].length;
  gaps.forEach((g, m) => {
    if (g.length !== c) throw new RangeError(`${what}: every model needs one entry per class; model 0 has ${c}, model ${m} has ${g.length}`);
  });
  return c;
}

/**
 * Pearson r of two gap series over the classes where both are finite. A constant series (e.g. every shared class has
 * gap 0) has no defined correlation: r is NaN, not 0, so a mean over pairs can leave it out.
 */
export function classwiseCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, minShared = MIN_SHARED_CLASSES): ClasswiseCorrelation {
  if (a.length !== b.length) throw new RangeError(`classwiseCorrelation needs series over the same classes, got ${a.length} and ${b.length}`);
  const xa: number[] = [];
  const xb: number[] = [];
  for (let c = 0; c < a.length; c++) {
    if (Number.isFinite(a[c]) && Number.isFinite(b[c])) {
      xa.push(a[c]);
      xb.push(b[c]);
    }
  }
  const n = xa.length;
  return { r: n >= minShared ? pearson(xa, xb) : NaN, n };
}

/** Pairwise correlations of M models: symmetric matrices of r and of shared-class counts, and the mean defined r. */
export interface CorrelationMatrix {
  /** r[i][j]; 1 on the diagonal; NaN where undefined. */
  r: number[][];
  /** Shared classes per pair; the diagonal holds each model's own count of classes with a gap. */
  shared: number[][];
  /** Mean of r over pairs i < j where it is defined; NaN when none is. */
  meanPairwise: number;
  /** Pairs i < j whose r is defined. */
  definedPairs: number;
}

/** Pearson r of class-wise gaps between every pair of models (gaps[m][c], NaN where missing). */
export function correlationMatrix(gaps: ArrayLike<number>[], minShared = MIN_SHARED_CLASSES): CorrelationMatrix {
  requireModels(gaps, 'correlationMatrix');
  const M = gaps.length;
  const r = Array.from({ length: M }, () => new Array<number>(M).fill(NaN));
  const shared = Array.from({ length: M }, () => new Array<number>(M).fill(0));
  let sum = 0;
  let defined = 0;
  for (let i = 0; i < M; i++) {
    let own = 0;
    for (let c = 0; c < gaps[i].length; c++) if (Number.isFinite(gaps[i][c])) own++;
    shared[i][i] = own;
    r[i][i] = 1;
    for (let j = i + 1; j < M; j++) {
      const p = classwiseCorrelation(gaps[i], gaps[j], minShared);
      r[i][j] = r[j][i] = p.r;
      shared[i][j] = shared[j][i] = p.n;
      if (Number.isFinite(p.r)) {
        sum += p.r;
        defined++;
      }
    }
  }
  return { r, shared, meanPairwise: defined ? sum / defined : NaN, definedPairs: defined };
}

/** Sample variance (n - 1 denominator); NaN for fewer than 2 values. */
export function sampleVariance(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return NaN;
  let m = 0;
  for (let i = 0; i < n; i++) m += values[i];
  m /= n;
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return s / (n - 1);
}

/** How much gaps vary across classes vs across models. */
export interface GapVariance {
  /** Indices of the classes every model has a gap for; the variances use only these. */
  classes: number[];
  /** Mean over models of the sample variance of the model's gaps across the shared classes. */
  acrossClasses: number;
  /** Mean over shared classes of the sample variance of the class's gaps across the models. */
  acrossModels: number;
  /** acrossClasses / acrossModels: Infinity when models agree exactly on every class (acrossModels 0) and the classes differ; NaN when both are 0. */
  ratio: number;
}

/**
 * Variance of gaps across classes vs across models, on the classes every model has a gap for (a balanced table, so
 * both averages weigh every model and class alike). Sample variances, because a handful of models is the usual case
 * and the population variance would shrink the across-model term by (M - 1) / M and inflate the ratio.
 */
export function gapVariance(gaps: ArrayLike<number>[]): GapVariance {
  const C = requireModels(gaps, 'gapVariance');
  const classes: number[] = [];
  for (let c = 0; c < C; c++) if (gaps.every((g) => Number.isFinite(g[c]))) classes.push(c);
  if (classes.length < 2) {
    throw new RangeError(`gapVariance needs at least 2 classes that every model has a gap for, got ${classes.length} of ${C}`);
  }
  let acrossClasses = 0;
  for (const g of gaps) acrossClasses += sampleVariance(classes.map((c) => g[c]));
  acrossClasses /= gaps.length;
  let acrossModels = 0;
  for (const c of classes) acrossModels += sampleVariance(gaps.map((g) => g[c]));
  acrossModels /= classes.length;
  return { classes, acrossClasses, acrossModels, ratio: acrossClasses / acrossModels };
}

function requirePoints(x: ArrayLike<number>, y: ArrayLike<number>, what: string): void {
  if (x.length !== y.length) throw new RangeError(`${what} needs as many x as y values, got ${x.length} and ${y.length}`);
  if (x.length < 2) throw new RangeError(`${what} needs at least 2 models, got ${x.length}`);
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new RangeError(`${what}: model ${i} has a non-finite accuracy (${x[i]}, ${y[i]})`);
  }
}

/** R² = 1 - SS_res / SS_tot about the mean of y; NaN when y is constant. */
function rSquared(y: ArrayLike<number>, predicted: (i: number) => number): number {
  let m = 0;
  for (let i = 0; i < y.length; i++) m += y[i];
  m /= y.length;
  let res = 0;
  let tot = 0;
  for (let i = 0; i < y.length; i++) {
    res += (y[i] - predicted(i)) ** 2;
    tot += (y[i] - m) ** 2;
  }
  return tot > 0 ? 1 - res / tot : NaN;
}

/** y = beta * x, least squares through the origin: beta = Σxy / Σx². */
export interface OriginFit {
  beta: number;
  /** About the mean of y, so it can be negative when the line through the origin does worse than a constant. */
  r2: number;
}

/** Least-squares fit of y = beta * x through the origin (appendix D's acc_low = beta * acc_high). */
export function fitThroughOrigin(x: ArrayLike<number>, y: ArrayLike<number>): OriginFit {
  requirePoints(x, y, 'fitThroughOrigin');
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += x[i] * y[i];
    sxx += x[i] * x[i];
  }
  if (sxx === 0) throw new RangeError('fitThroughOrigin: every x is 0 (no model classifies any high-spuriosity image correctly), so no slope is defined');
  const beta = sxy / sxx;
  return { beta, r2: rSquared(y, (i) => beta * x[i]) };
}

/** y = slope * x + intercept, ordinary least squares. */
export interface LineFit {
  slope: number;
  intercept: number;
  r2: number;
}

/** Ordinary least-squares line; throws when every x is equal (the slope is undefined). */
export function fitLine(x: ArrayLike<number>, y: ArrayLike<number>): LineFit {
  requirePoints(x, y, 'fitLine');
  const n = x.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i] - mx) * (y[i] - my);
    sxx += (x[i] - mx) ** 2;
  }
  if (sxx === 0) throw new RangeError(`fitLine: every model has the same x (${mx}), so no slope is defined`);
  const slope = sxy / sxx;
  const intercept = my - slope * mx;
  return { slope, intercept, r2: rSquared(y, (i) => slope * x[i] + intercept) };
}

/** Effective robustness of each model against the through-origin fit across models. */
export interface EffectiveRobustness {
  fit: OriginFit;
  /** beta * accHigh[m]. */
  predicted: number[];
  /** accLow[m] - predicted[m]: positive when the model does better on low-spuriosity images than the trend predicts. */
  er: number[];
}

/**
 * Effective robustness (appendix D): fit acc_low = beta * acc_high across models, then each model's acc_low minus the
 * fit's prediction. Units are those of the inputs (fractions or points alike: beta is scale-free).
 */
export function effectiveRobustness(accHigh: ArrayLike<number>, accLow: ArrayLike<number>): EffectiveRobustness {
  const fit = fitThroughOrigin(accHigh, accLow);
  const predicted = Array.from(accHigh, (x) => fit.beta * x);
  return { fit, predicted, er: Array.from(accLow, (y, i) => y - predicted[i]) };
}
