import type { LinearHead, Matrix } from './types';
import { headLogits } from './linalg';

/** Mean softmax cross-entropy of a head on some rows, plus its gradient. */
export interface LossGrad {
  loss: number;
  /** d loss / d weight, classes x dim row-major. */
  gradW: Float32Array;
  /** d loss / d bias. */
  gradB: Float32Array;
}

/**
 * loss = mean over `rows` of -log softmax(W x + b)[y] + (l2 / 2) * ||W||² (the bias is not regularised), and its
 * gradient: (1/m) Σ (p - onehot(y)) xᵀ + l2 W. Rows are processed in chunks so memory stays bounded. Pass `out` to
 * reuse gradient buffers across calls (SGD steps).
 */
export function softmaxCrossEntropy(
  features: Matrix, labels: Int32Array, head: LinearHead, rows: ArrayLike<number>, l2 = 0, out?: { gradW: Float32Array; gradB: Float32Array },
): LossGrad {
  const C = head.classes;
  const D = head.dim;
  const m = rows.length;
  if (m === 0) throw new RangeError('softmaxCrossEntropy needs at least one row');
  const gradW = out?.gradW ?? new Float32Array(C * D);
  const gradB = out?.gradB ?? new Float32Array(C);
  gradW.fill(0);
  gradB.fill(0);
  const X = features.data;
  const chunk = Math.max(4, Math.min(m, Math.floor(2_000_000 / Math.max(1, C))));
  const buf = new Float32Array(chunk * C);
  const sub = new Int32Array(chunk);
  const inv = 1 / m;
  let loss = 0;
  for (let s = 0; s < m; s += chunk) {
    const e = Math.min(m, s + chunk);
    const len = e - s;
    for (let j = 0; j < len; j++) sub[j] = rows[s + j];
    // buf: logits, then overwritten in place by the coefficients (p - onehot(y)) / m.
    const G = headLogits(features, head, sub.subarray(0, len), buf).data;
    for (let j = 0; j < len; j++) {
      const x = sub[j];
      const y = labels[x];
      if (y < 0 || y >= C) throw new RangeError(`image ${x} has label ${y}; valid labels are 0..${C - 1}`);
      const o = j * C;
      let mx = -Infinity;
      for (let c = 0; c < C; c++) if (G[o + c] > mx) mx = G[o + c];
      let z = 0;
      for (let c = 0; c < C; c++) z += Math.exp(G[o + c] - mx);
      const logZ = mx + Math.log(z);
      loss += logZ - G[o + y];
      for (let c = 0; c < C; c++) {
        const g = (Math.exp(G[o + c] - logZ) - (c === y ? 1 : 0)) * inv;
        G[o + c] = g;
        gradB[c] += g;
      }
    }
    // Four images per pass over a gradient row, so the C x D gradient streams through memory a quarter as often.
    for (let c = 0; c < C; c++) {
      const wo = c * D;
      let j = 0;
      for (; j + 4 <= len; j += 4) {
        const g0 = G[j * C + c], g1 = G[(j + 1) * C + c], g2 = G[(j + 2) * C + c], g3 = G[(j + 3) * C + c];
        // Negligible coefficients change nothing measurable; skipping them saves most of the work once the fit is good.
        if (Math.abs(g0) + Math.abs(g1) + Math.abs(g2) + Math.abs(g3) < 1e-12) continue;
        const x0 = sub[j] * D, x1 = sub[j + 1] * D, x2 = sub[j + 2] * D, x3 = sub[j + 3] * D;
        for (let d = 0; d < D; d++) gradW[wo + d] += g0 * X[x0 + d] + g1 * X[x1 + d] + g2 * X[x2 + d] + g3 * X[x3 + d];
      }
      for (; j < len; j++) {
        const g = G[j * C + c];
        if (Math.abs(g) < 1e-12) continue;
        const xo = sub[j] * D;
        for (let d = 0; d < D; d++) gradW[wo + d] += g * X[xo + d];
      }
    }
  }
  loss *= inv;
  if (l2 > 0) {
    let sq = 0;
    const W = head.weight;
    for (let i = 0; i < W.length; i++) {
      sq += W[i] * W[i];
      gradW[i] += l2 * W[i];
    }
    loss += 0.5 * l2 * sq;
  }
  return { loss, gradW, gradB };
}
