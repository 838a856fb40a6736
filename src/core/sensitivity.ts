// Feature sensitivity (paper appendix B), the arithmetic: which images a feature is measured on, and how
// accuracy moves when its region is corrupted.
import { argmaxRows, headLogits, softmaxRows } from './linalg';
import type { LinearHead, Matrix } from './types';

/** Salient ImageNet shows a feature's 65 most-activating images: the default sample. */
export const DEFAULT_SENSITIVITY_IMAGES = 65;

/** How many of a class's `available` images to measure: `images` (capped), or ceil(topPercent% of them), at least 1 when any exist. */
export function sensitivityImageCount(available: number, opts: { images?: number; topPercent?: number | null }): number {
  if (!(Number.isInteger(available) && available >= 0)) throw new RangeError(`sensitivityImageCount: available must be an integer >= 0 (got ${available})`);
  if (available === 0) return 0;
  if (opts.topPercent !== undefined && opts.topPercent !== null) {
    const p = opts.topPercent;
    if (!(p > 0 && p <= 100)) throw new RangeError(`top percent must be in (0, 100] (got ${p})`);
    return Math.max(1, Math.min(available, Math.ceil((p / 100) * available)));
  }
  const n = opts.images ?? DEFAULT_SENSITIVITY_IMAGES;
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`image count must be an integer >= 1 (got ${n})`);
  return Math.min(available, n);
}

/** The n rows among `candidates` with the highest value of `feature` (r_i), highest first; ties keep the lower row first. */
export function topActivating(features: Matrix, candidates: ArrayLike<number>, feature: number, n: number): number[] {
  if (!(Number.isInteger(feature) && feature >= 0 && feature < features.cols)) {
    throw new RangeError(`feature ${feature} is out of range: features are 0..${features.cols - 1}`);
  }
  const rows = Array.from(candidates);
  const v = (r: number): number => features.data[r * features.cols + feature];
  rows.sort((a, b) => v(b) - v(a) || a - b);
  return rows.slice(0, Math.max(0, n));
}

/** Predicted class and the true class's softmax probability of each row of `features` under `head`. */
export function scoreRows(features: Matrix, head: LinearHead, trueClass: number): { predictions: Int32Array; trueProbability: Float32Array } {
  if (!(Number.isInteger(trueClass) && trueClass >= 0 && trueClass < head.classes)) {
    throw new RangeError(`class ${trueClass} is out of range: the head has classes 0..${head.classes - 1}`);
  }
  const logits = headLogits(features, head);
  const predictions = argmaxRows(logits);
  const p = softmaxRows(logits);
  const trueProbability = new Float32Array(features.rows);
  for (let r = 0; r < features.rows; r++) trueProbability[r] = p.data[r * head.classes + trueClass];
  return { predictions, trueProbability };
}

/** Accuracy (a fraction) of predictions against one true class; NaN for no predictions. */
export function accuracyFor(predictions: Int32Array, trueClass: number): number {
  if (predictions.length === 0) return NaN;
  let ok = 0;
  for (const p of predictions) if (p === trueClass) ok++;
  return ok / predictions.length;
}

/** One corruption's effect on the same images, as fractions: sensitivity = clean accuracy - corrupted accuracy. */
export interface SensitivityOutcome {
  accuracy: number;
  sensitivity: number;
  probabilityDrop: number;
  flipped: number;
}

/** Compares clean and corrupted scores of the same images (row i = the same image) for one true class. */
export function sensitivityOutcome(
  clean: { predictions: Int32Array; trueProbability: Float32Array },
  corrupted: { predictions: Int32Array; trueProbability: Float32Array },
  trueClass: number,
): SensitivityOutcome {
  const n = clean.predictions.length;
  if (corrupted.predictions.length !== n || clean.trueProbability.length !== n || corrupted.trueProbability.length !== n) {
    throw new RangeError(`sensitivityOutcome: clean (${n}) and corrupted (${corrupted.predictions.length}) scores must cover the same images`);
  }
  const accuracy = accuracyFor(corrupted.predictions, trueClass);
  let drop = 0;
  let flipped = 0;
  for (let i = 0; i < n; i++) {
    drop += clean.trueProbability[i] - corrupted.trueProbability[i];
    if (clean.predictions[i] !== corrupted.predictions[i]) flipped++;
  }
  return { accuracy, sensitivity: accuracyFor(clean.predictions, trueClass) - accuracy, probabilityDrop: n ? drop / n : NaN, flipped };
}
