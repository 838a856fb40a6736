import type { Matrix, Split } from './types';
import type { ClassIndex } from './classIndex';

/** A class's ranking in one split: its images from lowest to highest spuriosity. */
export interface SplitRanking {
  cls: number;
  split: Split;
  /** Image indices ascending by spuriosity; ties by lower image index. */
  order: Int32Array;
  /** Spuriosity of each image in `order` (so ascending). */
  scores: Float32Array;
  /** Spurious features whose standard deviation is 0 in this split: they contributed 0 to every image. */
  zeroSigma: number[];
}

/** Rankings of one class that has at least one spurious feature. */
export interface ClassRanking {
  cls: number;
  /** The class's spurious features, ascending and deduplicated. */
  features: number[];
  train: SplitRanking;
  val: SplitRanking;
}

/** Spuriosity of every image plus per-class rankings, kept so one class can be re-ranked alone. */
export interface SpuriosityState {
  features: Matrix;
  index: ClassIndex;
  /** Spurious features per class (empty: no ranking). */
  spurious: number[][];
  /** Spuriosity per image; NaN for images of classes without a spurious feature and for unlabeled images. */
  scores: Float32Array;
  /** Per class, its rankings, or null when it has no spurious feature. */
  rankings: (ClassRanking | null)[];
}

function cleanFeatures(features: Matrix, cls: number, list: number[]): number[] {
  for (const f of list) {
    if (!Number.isInteger(f) || f < 0 || f >= features.cols) {
      throw new RangeError(`spurious feature ${f} of class ${cls} is out of range 0..${features.cols - 1}`);
    }
  }
  return Array.from(new Set(list)).sort((a, b) => a - b);
}

/**
 * Spuriosity (section 4.1) of a class's images in one split: the mean over its spurious features of the z-scored
 * activation, with mean and standard deviation taken over the same images. The standard deviation is the population
 * one (divide by n, as numpy's default in the reference code). A feature with sigma = 0 contributes 0 to every image
 * (it is still counted in the average's denominator |S(c)|) and is listed in `zeroSigma`.
 */
export function rankSplit(features: Matrix, images: Int32Array, cls: number, split: Split, feats: number[], scoresOut?: Float32Array): SplitRanking {
  const D = features.cols;
  const X = features.data;
  const n = images.length;
  const acc = new Float64Array(n);
  const zeroSigma: number[] = [];
  for (const f of feats) {
    let mean = 0;
    for (let j = 0; j < n; j++) mean += X[images[j] * D + f];
    mean /= n || 1;
    let ss = 0;
    for (let j = 0; j < n; j++) {
      const d = X[images[j] * D + f] - mean;
      ss += d * d;
    }
    const sigma = Math.sqrt(ss / (n || 1));
    // Relative guard: float32 features that are all equal can leave rounding noise in sigma.
    if (!(sigma > 1e-12 * Math.max(1, Math.abs(mean)))) {
      zeroSigma.push(f);
      continue;
    }
    const inv = 1 / sigma;
    for (let j = 0; j < n; j++) acc[j] += (X[images[j] * D + f] - mean) * inv;
  }
  const m = feats.length;
  const perm = Array.from({ length: n }, (_, j) => j);
  for (let j = 0; j < n; j++) acc[j] /= m;
  perm.sort((a, b) => (acc[a] - acc[b]) || (images[a] - images[b]));
  const order = new Int32Array(n);
  const scores = new Float32Array(n);
  for (let r = 0; r < n; r++) {
    order[r] = images[perm[r]];
    scores[r] = acc[perm[r]];
  }
  if (scoresOut) for (let j = 0; j < n; j++) scoresOut[images[j]] = acc[j];
  return { cls, split, order, scores, zeroSigma };
}

/**
 * Spuriosity of every image and rankings for every class with at least one spurious feature (section 4.1).
 * `spurious[c]` lists class c's spurious features; classes without any get no ranking.
 */
export function computeSpuriosity(features: Matrix, index: ClassIndex, spurious: number[][]): SpuriosityState {
  const state: SpuriosityState = {
    features,
    index,
    spurious: Array.from({ length: index.classes }, () => []),
    scores: new Float32Array(features.rows).fill(NaN),
    rankings: new Array(index.classes).fill(null),
  };
  if (spurious.length > index.classes) throw new RangeError(`spurious features given for ${spurious.length} classes, but there are ${index.classes}`);
  for (let c = 0; c < index.classes; c++) rerankClass(state, c, spurious[c] ?? []);
  return state;
}

/**
 * Re-ranks one class after its spurious features changed (e.g. one label flipped), touching only that class's
 * images: cost O(n_c · |S(c)| + n_c log n_c), independent of the dataset size. Mutates and returns the state's entry.
 */
export function rerankClass(state: SpuriosityState, cls: number, spuriousFeatures: number[]): ClassRanking | null {
  const { features, index } = state;
  if (!Number.isInteger(cls) || cls < 0 || cls >= index.classes) throw new RangeError(`class ${cls} is out of range 0..${index.classes - 1}`);
  const feats = cleanFeatures(features, cls, spuriousFeatures);
  state.spurious[cls] = feats;
  if (feats.length === 0) {
    for (const imgs of [index.train[cls], index.val[cls]]) for (let j = 0; j < imgs.length; j++) state.scores[imgs[j]] = NaN;
    state.rankings[cls] = null;
    return null;
  }
  const ranking: ClassRanking = {
    cls,
    features: feats,
    train: rankSplit(features, index.train[cls], cls, 'train', feats, state.scores),
    val: rankSplit(features, index.val[cls], cls, 'val', feats, state.scores),
  };
  state.rankings[cls] = ranking;
  return ranking;
}
