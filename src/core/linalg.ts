import type { LinearHead, Matrix } from './types';

/** Throws unless the feature matrix and head agree on the feature dimension and sizes are consistent. */
export function checkHead(features: Matrix, head: LinearHead): void {
  if (features.data.length !== features.rows * features.cols) {
    throw new RangeError(`feature matrix has ${features.data.length} values, expected rows x cols = ${features.rows} x ${features.cols}`);
  }
  if (head.weight.length !== head.classes * head.dim || head.bias.length !== head.classes) {
    throw new RangeError(`head weight must be classes x dim = ${head.classes} x ${head.dim} and bias ${head.classes} long; got ${head.weight.length} and ${head.bias.length}`);
  }
  if (features.cols !== head.dim) {
    throw new RangeError(`features have ${features.cols} columns but the head expects ${head.dim}`);
  }
}

/**
 * Logits = X · Wᵀ + b for the given rows of `features` (all rows when omitted): an n x C matrix.
 * Four feature rows are processed together so each head row is streamed from memory once per four images.
 */
export function headLogits(features: Matrix, head: LinearHead, rows?: ArrayLike<number>, out?: Float32Array): Matrix {
  checkHead(features, head);
  const n = rows ? rows.length : features.rows;
  const C = head.classes;
  const D = head.dim;
  const res = out ?? new Float32Array(n * C);
  if (res.length < n * C) throw new RangeError(`output buffer holds ${res.length} values, needs ${n * C}`);
  const X = features.data;
  const W = head.weight;
  const B = head.bias;
  const row = (i: number): number => (rows ? rows[i] : i) * D;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x0 = row(i), x1 = row(i + 1), x2 = row(i + 2), x3 = row(i + 3);
    for (let c = 0; c < C; c++) {
      const w = c * D;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let d = 0; d < D; d++) {
        const wv = W[w + d];
        s0 += X[x0 + d] * wv;
        s1 += X[x1 + d] * wv;
        s2 += X[x2 + d] * wv;
        s3 += X[x3 + d] * wv;
      }
      const b = B[c];
      res[i * C + c] = s0 + b;
      res[(i + 1) * C + c] = s1 + b;
      res[(i + 2) * C + c] = s2 + b;
      res[(i + 3) * C + c] = s3 + b;
    }
  }
  for (; i < n; i++) {
    const x0 = row(i);
    for (let c = 0; c < C; c++) {
      const w = c * D;
      let s = 0;
      for (let d = 0; d < D; d++) s += X[x0 + d] * W[w + d];
      res[i * C + c] = s + B[c];
    }
  }
  return { rows: n, cols: C, data: res };
}

/** Index of the largest value in each row (the lowest index among ties). */
export function argmaxRows(m: Matrix): Int32Array {
  const out = new Int32Array(m.rows);
  const { cols, data } = m;
  for (let r = 0; r < m.rows; r++) {
    const o = r * cols;
    let best = 0;
    let bv = data[o];
    for (let c = 1; c < cols; c++) {
      const v = data[o + c];
      if (v > bv) { bv = v; best = c; }
    }
    out[r] = best;
  }
  return out;
}

/** Row-wise softmax (max-subtracted for stability), written into `out` (a new matrix when omitted). */
export function softmaxRows(m: Matrix, out?: Float32Array): Matrix {
  const { rows, cols, data } = m;
  const res = out ?? new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let mx = -Infinity;
    for (let c = 0; c < cols; c++) if (data[o + c] > mx) mx = data[o + c];
    let sum = 0;
    for (let c = 0; c < cols; c++) {
      const e = Math.exp(data[o + c] - mx);
      res[o + c] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let c = 0; c < cols; c++) res[o + c] *= inv;
  }
  return { rows, cols, data: res };
}

/** Predicted class of every image (or of the given rows): argmax of the head's logits, computed in chunks to bound memory. */
export function predict(features: Matrix, head: LinearHead, rows?: ArrayLike<number>): Int32Array {
  const n = rows ? rows.length : features.rows;
  const out = new Int32Array(n);
  const chunk = Math.max(4, Math.floor(4_000_000 / Math.max(1, head.classes)));
  const buf = new Float32Array(Math.min(n, chunk) * head.classes);
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const idx = new Int32Array(e - s);
    for (let i = s; i < e; i++) idx[i - s] = rows ? rows[i] : i;
    const am = argmaxRows(headLogits(features, head, idx, buf));
    out.set(am.subarray(0, e - s), s);
  }
  return out;
}

/** 1 where prediction equals label, else 0. */
export function correctness(predictions: Int32Array, labels: Int32Array): Uint8Array {
  if (predictions.length !== labels.length) throw new RangeError(`predictions (${predictions.length}) and labels (${labels.length}) differ in length`);
  const out = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[i] = predictions[i] === labels[i] ? 1 : 0;
  return out;
}
