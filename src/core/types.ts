/** Row-major dense matrix of float32 values: element (r, c) is data[r * cols + c]. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** A linear classifier head: logits = weight · x + bias, weight is classes x dim, row-major. */
export interface LinearHead {
  classes: number;
  dim: number;
  weight: Float32Array;
  bias: Float32Array;
}

/** Dataset split of an image; `val` is whichever split serves as validation. */
export type Split = 'train' | 'val';
