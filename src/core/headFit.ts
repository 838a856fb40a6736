import type { LinearHead, Matrix } from './types';
import { softmaxCrossEntropy } from './softmaxLoss';
import { minimizeSync } from './lbfgs';

/** Options of fitHead. */
export interface HeadFitOptions {
  /** L2 penalty on the (standardised) weights, default 1e-4. */
  l2?: number;
  /** L-BFGS iterations, default 200. */
  maxIter?: number;
  /** Stop when the largest gradient entry falls below this, default 1e-5. */
  gradTol?: number;
  /** Standardise features internally (default true); the result is folded back so it applies to raw features. */
  standardize?: boolean;
  /** Called after every iteration, e.g. for progress. */
  onIteration?: (iteration: number, loss: number) => void;
  /** Checked between iterations: stop early and return the current fit. */
  signal?: { aborted: boolean };
}

/** A fitted head and how the fit went. */
export interface HeadFitResult {
  head: LinearHead;
  /** Training loss (cross-entropy + penalty, standardised space) before the first and after every iteration. */
  losses: number[];
  iterations: number;
  converged: boolean;
}

/**
 * Multinomial logistic regression (softmax + cross-entropy, L2) on the given training rows, for datasets whose
 * classes do not map onto the model's head. Full-batch L-BFGS (core/lbfgs) from zero weights:
 * the problem is convex and nothing is random, so the result is deterministic without a seed. Plain JavaScript: fine for a few
 * thousand images; ImageNet-scale fits belong in a GEMM backend.
 */
export function fitHead(features: Matrix, labels: Int32Array, classes: number, rows: ArrayLike<number>, opts: HeadFitOptions = {}): HeadFitResult {
  const l2 = opts.l2 ?? 1e-4;
  const maxIter = opts.maxIter ?? 200;
  const gradTol = opts.gradTol ?? 1e-5;
  const D = features.cols;
  const m = rows.length;
  if (m === 0) throw new RangeError('fitHead needs at least one training image');
  for (let j = 0; j < m; j++) {
    const y = labels[rows[j]];
    if (!(y >= 0 && y < classes)) throw new RangeError(`training image ${rows[j]} has label ${y}; valid labels are 0..${classes - 1}`);
  }
  // Standardise on the training rows (copy them into a compact matrix so the loss touches contiguous memory).
  const mu = new Float64Array(D);
  const sd = new Float64Array(D).fill(1);
  const X = new Float32Array(m * D);
  const Y = new Int32Array(m);
  for (let j = 0; j < m; j++) {
    X.set(features.data.subarray(rows[j] * D, rows[j] * D + D), j * D);
    Y[j] = labels[rows[j]];
  }
  if (opts.standardize ?? true) {
    for (let j = 0; j < m; j++) for (let d = 0; d < D; d++) mu[d] += X[j * D + d];
    for (let d = 0; d < D; d++) mu[d] /= m;
    const v = new Float64Array(D);
    for (let j = 0; j < m; j++) for (let d = 0; d < D; d++) v[d] += (X[j * D + d] - mu[d]) ** 2;
    for (let d = 0; d < D; d++) sd[d] = v[d] > 0 ? Math.sqrt(v[d] / m) : 1;
    for (let j = 0; j < m; j++) for (let d = 0; d < D; d++) X[j * D + d] = (X[j * D + d] - mu[d]) / sd[d];
  }
  const Z: Matrix = { rows: m, cols: D, data: X };
  const all = Int32Array.from({ length: m }, (_, j) => j);
  const P = classes * D + classes;
  const head: LinearHead = { classes, dim: D, weight: new Float32Array(classes * D), bias: new Float32Array(classes) };
  const evalAt = (theta: Float64Array): { f: number; g: Float64Array } => {
    for (let i = 0; i < classes * D; i++) head.weight[i] = theta[i];
    for (let c = 0; c < classes; c++) head.bias[c] = theta[classes * D + c];
    const r = softmaxCrossEntropy(Z, Y, head, all, l2);
    const g = new Float64Array(P);
    g.set(r.gradW);
    g.set(r.gradB, classes * D);
    return { f: r.loss, g };
  };
  const losses: number[] = [];
  const end = minimizeSync((theta) => {
    const r = evalAt(theta);
    if (losses.length === 0) losses.push(r.f);
    return r;
  }, new Float64Array(P), { maxIter, gradTol }, (_, f) => { losses.push(f); opts.onIteration?.(losses.length - 1, f); }, opts.signal);
  const x = end.x;
  const iterations = end.iterations;
  const converged = !end.aborted && end.reason !== 'max-iterations';
  // Fold the standardisation back: W x_raw + b = W' (x_raw - mu) / sd + b'.
  const out: LinearHead = { classes, dim: D, weight: new Float32Array(classes * D), bias: new Float32Array(classes) };
  for (let c = 0; c < classes; c++) {
    let b = x[classes * D + c];
    for (let d = 0; d < D; d++) {
      const w = x[c * D + d] / sd[d];
      out.weight[c * D + d] = w;
      b -= w * mu[d];
    }
    out.bias[c] = b;
  }
  return { head: out, losses, iterations, converged };
}
