// Rankings and per-feature gaps of one class from its columns alone. The class's images become a small local matrix
// (its images x the features needed) with local indices in the same ascending order as the global ones, and core's
// own rankSplit / featureGaps run on it: the same arithmetic in the same order, so the same results as over n x D.
import type { ClassIndex } from '../../../core/classIndex';
import { featureGaps, type FeatureGap } from '../../../core/featureGap';
import { rankSplit, type ClassRanking, type SplitRanking } from '../../../core/spuriosity';
import type { Matrix, Split } from '../../../core/types';
import type { ClassColumns } from './classColumns';

/** Local matrix of one class over `feats` (column j = feats[j]), from the columns (all must have been read). */
function localMatrix(cols: ClassColumns, cls: number, feats: number[]): Matrix {
  const n = cols.classRows[cls].length;
  const m = feats.length;
  const data = new Float32Array(n * m);
  feats.forEach((f, j) => {
    const col = cols.column(cls, f);
    if (!col) throw new Error(`internal: column of feature ${f} for class ${cls} was not read`);
    for (let p = 0; p < n; p++) data[p * m + j] = col[p];
  });
  return { rows: n, cols: m, data };
}

/** The class's images of the index (excluded ones already left out) as local positions, ascending like the index. */
function localImages(cols: ClassColumns, images: Int32Array): Int32Array {
  return images.map((r) => cols.pos[r]);
}

/** A local ranking in global rows and features; each image's local score goes to `scores` at its global row. */
function toGlobal(cols: ClassColumns, cls: number, r: SplitRanking, feats: number[], localScores: Float32Array, scores: Float32Array, local: Int32Array): SplitRanking {
  const rows = cols.classRows[cls];
  for (let j = 0; j < local.length; j++) scores[rows[local[j]]] = localScores[local[j]];
  return { cls, split: r.split, order: r.order.map((p) => rows[p]), scores: r.scores, zeroSigma: r.zeroSigma.map((j) => feats[j]) };
}

/**
 * Ranks a class's train and val images by spuriosity over `feats` (its spurious features, ascending and deduplicated,
 * as core's rerankClass keeps them), writing each image's score into `scores`; the columns of feats must be read.
 */
export function rankClassFromColumns(cols: ClassColumns, index: ClassIndex, cls: number, feats: number[], scores: Float32Array): ClassRanking {
  const X = localMatrix(cols, cls, feats);
  const localScores = new Float32Array(X.rows);
  const localFeats = feats.map((_, j) => j);
  const split = (s: Split, images: Int32Array) => {
    const local = localImages(cols, images);
    const r = rankSplit(X, local, cls, s, localFeats, localScores);
    return toGlobal(cols, cls, r, feats, localScores, scores, local);
  };
  return { cls, features: feats, train: split('train', index.train[cls]), val: split('val', index.val[cls]) };
}

/** Per-feature gaps (core featureGaps) of one class's `feats`, from its columns; images in the results are global rows. */
export function featureGapsFromColumns(cols: ClassColumns, index: ClassIndex, correct: Uint8Array, cls: number, feats: number[], k: number): FeatureGap[] {
  if (!feats.length) return [];
  const X = localMatrix(cols, cls, feats);
  const rows = cols.classRows[cls];
  const localCorrect = new Uint8Array(rows.length);
  for (let p = 0; p < rows.length; p++) localCorrect[p] = correct[rows[p]];
  const local: ClassIndex = { classes: 1, train: [localImages(cols, index.train[cls])], val: [localImages(cols, index.val[cls])] };
  const gaps = featureGaps(X, localCorrect, local, feats.map((_, j) => ({ cls: 0, feature: j })), { k });
  return gaps.map((g) => ({ ...g, cls, feature: feats[g.feature], topImages: g.topImages.map((p) => rows[p]) }));
}
