import type { Split } from './types';

/** Split codes used in the per-image `split` array. */
export const SPLIT_TRAIN = 0;
/** Split code of validation images. */
export const SPLIT_VAL = 1;

/** Per class and split, the ascending indices of its images: the index every per-class computation starts from. */
export interface ClassIndex {
  classes: number;
  train: Int32Array[];
  val: Int32Array[];
}

/** Split name for a split code. */
export function splitName(code: number): Split {
  return code === SPLIT_VAL ? 'val' : 'train';
}

/**
 * Groups images by (class, split). Labels must be integers in [0, classes); a negative label marks an
 * unlabeled image and is skipped. Split codes: 0 train, 1 val.
 */
export function buildClassIndex(labels: Int32Array, split: Uint8Array, classes: number): ClassIndex {
  if (labels.length !== split.length) {
    throw new RangeError(`labels (${labels.length}) and split (${split.length}) must have one entry per image`);
  }
  const counts = new Int32Array(classes * 2);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c < 0) continue;
    if (c >= classes) throw new RangeError(`image ${i} has label ${c}; valid labels are 0..${classes - 1} (or negative for unlabeled)`);
    const s = split[i];
    if (s !== SPLIT_TRAIN && s !== SPLIT_VAL) throw new RangeError(`image ${i} has split code ${s}; valid codes are 0 (train) and 1 (val)`);
    counts[c * 2 + s]++;
  }
  const train: Int32Array[] = [];
  const val: Int32Array[] = [];
  for (let c = 0; c < classes; c++) {
    train.push(new Int32Array(counts[c * 2]));
    val.push(new Int32Array(counts[c * 2 + 1]));
  }
  const fill = new Int32Array(classes * 2);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (c < 0) continue;
    const s = split[i];
    (s === SPLIT_VAL ? val : train)[c][fill[c * 2 + s]++] = i;
  }
  return { classes, train, val };
}

/** The image indices of a class in one split. */
export function classImages(index: ClassIndex, cls: number, split: Split): Int32Array {
  return split === 'val' ? index.val[cls] : index.train[cls];
}
