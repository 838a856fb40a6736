import type { LinearHead, Matrix } from './types';
import { SPLIT_TRAIN } from './classIndex';
import { checkHead, predict } from './linalg';
import type { Grouping } from './vocabulary';

/** Feature importance of one class and its top features. */
export interface ClassImportance {
  cls: number;
  /** Number of training images averaged over. */
  groupSize: number;
  /** Importance of every feature (length D): mean of r_i(x) * w[c][i] over the group. */
  importance: Float32Array;
  /** Top-k feature indices, highest importance first (ties: lower index first). */
  top: number[];
  /** Importance of each top feature, aligned with `top`. */
  topImportance: number[];
  /** Why `top` is empty, when it is. */
  reason?: string;
}

/** Inputs of featureImportance. */
export interface ImportanceInput {
  features: Matrix;
  head: LinearHead;
  labels: Int32Array;
  /** Per image: 0 train, 1 val. Only training images count. */
  split: Uint8Array;
  /** Predicted class per image; computed from the head when omitted. */
  predictions?: Int32Array;
  /** 'predicted' (default, Salient ImageNet): training images predicted as c. 'correct': images of c classified as c. */
  grouping?: Grouping;
  /** Top features per class, 1..15 (default 5). */
  k?: number;
}

/** Highest allowed k: the authors' discovery script shows 15 features per class. */
export const MAX_TOP_FEATURES = 15;

/** Throws unless k is an integer in 1..15. */
export function checkTopK(k: number): void {
  if (!Number.isInteger(k) || k < 1 || k > MAX_TOP_FEATURES) {
    throw new RangeError(`k (top features per class) must be an integer from 1 to ${MAX_TOP_FEATURES}, got ${k}`);
  }
}

/** Indices of the k largest values, descending; ties go to the lower index. */
export function topKIndices(values: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  idx.sort((a, b) => (values[b] - values[a]) || (a - b));
  return idx.slice(0, Math.min(k, idx.length));
}

/** Per class, the importance of every neural feature (section 3.1) and the top-k features to show a human. */
export function featureImportance(input: ImportanceInput): ClassImportance[] {
  const { features, head, labels, split } = input;
  const grouping = input.grouping ?? 'predicted';
  const k = input.k ?? 5;
  checkTopK(k);
  checkHead(features, head);
  const n = features.rows;
  const D = features.cols;
  const C = head.classes;
  if (labels.length !== n || split.length !== n) {
    throw new RangeError(`labels (${labels.length}) and split (${split.length}) must have one entry per feature row (${n})`);
  }
  const pred = input.predictions ?? predict(features, head);
  if (pred.length !== n) throw new RangeError(`predictions (${pred.length}) must have one entry per feature row (${n})`);
  // Sum features per group once, so the cost is one pass over the matrix whatever the class count.
  const sums = new Float64Array(C * D);
  const counts = new Int32Array(C);
  const X = features.data;
  for (let x = 0; x < n; x++) {
    if (split[x] !== SPLIT_TRAIN) continue;
    let g: number;
    if (grouping === 'predicted') g = pred[x];
    else g = pred[x] === labels[x] ? labels[x] : -1;
    if (g < 0 || g >= C) continue;
    counts[g]++;
    const o = g * D;
    const xo = x * D;
    for (let d = 0; d < D; d++) sums[o + d] += X[xo + d];
  }
  return importanceFromSums(sums, counts, head, grouping, k);
}

/**
 * Importance and top-k features per class from per-group feature sums (C x D, float64) and group sizes: the last
 * step of featureImportance, also used by callers that sum the features as they stream past.
 */
export function importanceFromSums(sums: Float64Array, counts: Int32Array, head: LinearHead, grouping: Grouping, k: number): ClassImportance[] {
  checkTopK(k);
  const C = head.classes;
  const D = head.dim;
  if (sums.length !== C * D || counts.length !== C) throw new RangeError(`sums (${sums.length}) must be classes x features (${C} x ${D}) and counts (${counts.length}) one per class`);
  const out: ClassImportance[] = [];
  for (let c = 0; c < C; c++) {
    const importance = new Float32Array(D);
    const m = counts[c];
    if (m === 0) {
      const why = grouping === 'predicted' ? 'no training image is predicted as this class' : 'no training image of this class is classified correctly';
      out.push({ cls: c, groupSize: 0, importance, top: [], topImportance: [], reason: why });
      continue;
    }
    for (let d = 0; d < D; d++) importance[d] = (sums[c * D + d] / m) * head.weight[c * D + d];
    const top = topKIndices(importance, k);
    out.push({ cls: c, groupSize: m, importance, top, topImportance: top.map((i) => importance[i]) });
  }
  return out;
}
