import type { Matrix, Split } from './types';
import type { ClassIndex } from './classIndex';

/** One (class, feature) pair to measure. */
export interface FeaturePair {
  cls: number;
  feature: number;
}

/** Accuracy gap along a single feature, and the images that show it best. */
export interface FeatureGap {
  cls: number;
  feature: number;
  /** Split the gap was measured on: 'val', or 'train' when the class has too few validation images. */
  split: Split;
  /** Images of the class in that split, and the k used at each end. */
  n: number;
  k: number;
  /** Accuracy (fraction in [0, 1]) on the k most- and least-activating images; NaN when k = 0. */
  accHigh: number;
  accLow: number;
  gap: number;
  /** Most-activating images of the class (training split, else validation), highest first. */
  topImages: number[];
}

/** Options of featureGaps. */
export interface FeatureGapOptions {
  /** Images at each end (default 25), capped at half the class. */
  k?: number;
  /** Most-activating images returned per pair (default 5). */
  topN?: number;
  /** Below this many validation images the training split is used instead (default 10). */
  minVal?: number;
}

/** Indices of `images` ordered by one feature's activation, descending; ties by lower image index. */
export function orderByFeature(features: Matrix, images: ArrayLike<number>, feature: number): number[] {
  const D = features.cols;
  const X = features.data;
  const idx = Array.from(images);
  idx.sort((a, b) => (X[b * D + feature] - X[a * D + feature]) || (a - b));
  return idx;
}

/**
 * Per (class, feature): accuracy on the class's k images where the feature is strongest minus the k where it is
 * weakest. Measured on validation images; a class with fewer than `minVal` of them falls back to its training
 * images (its validation set is too small for a meaningful top-25 vs bottom-25 comparison), and says so in `split`.
 */
export function featureGaps(
  features: Matrix,
  correct: Uint8Array,
  index: ClassIndex,
  pairs: FeaturePair[],
  opts: FeatureGapOptions = {},
): FeatureGap[] {
  const kWant = opts.k ?? 25;
  const topN = opts.topN ?? 5;
  const minVal = opts.minVal ?? 10;
  if (!Number.isInteger(kWant) || kWant < 1) throw new RangeError(`k must be a positive integer, got ${kWant}`);
  return pairs.map(({ cls, feature }) => {
    if (cls < 0 || cls >= index.classes) throw new RangeError(`class ${cls} is out of range 0..${index.classes - 1}`);
    if (feature < 0 || feature >= features.cols || !Number.isInteger(feature)) {
      throw new RangeError(`feature ${feature} is out of range 0..${features.cols - 1}`);
    }
    const useVal = index.val[cls].length >= minVal;
    const images = useVal ? index.val[cls] : index.train[cls];
    const order = orderByFeature(features, images, feature);
    const n = order.length;
    const k = Math.min(kWant, Math.floor(n / 2));
    // The low end is taken in ascending order with ties to the lower index, like the high end, not as the reversed tail.
    const X = features.data;
    const D = features.cols;
    const ascending = Array.from(images).sort((a, b) => (X[a * D + feature] - X[b * D + feature]) || (a - b));
    let hi = 0;
    let lo = 0;
    for (let j = 0; j < k; j++) {
      hi += correct[order[j]];
      lo += correct[ascending[j]];
    }
    const accHigh = k > 0 ? hi / k : NaN;
    const accLow = k > 0 ? lo / k : NaN;
    const topSource = index.train[cls].length > 0 ? index.train[cls] : index.val[cls];
    const topOrder = topSource === images ? order : orderByFeature(features, topSource, feature);
    return {
      cls, feature, split: useVal ? 'val' : 'train', n, k, accHigh, accLow, gap: accHigh - accLow,
      topImages: topOrder.slice(0, topN),
    };
  });
}
