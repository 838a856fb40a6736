// Where the pipeline puts each image's outputs: the whole n x D / n x C matrices (analysis needs
// them), or only the predicted class (the `extract` command needs counts and accuracy, and the
// features stay in the cache), so that memory does not grow with the features of every image.
import { LookupStatus, matrixSink, type RowSink } from '../cache/featureCache';

/** Rows of the cache copied out per call when only predictions are kept (bounds the scratch buffer). */
export const SCRATCH_ROWS = 256;

/** Receives the outputs of every image with features, from the cache or from the model. */
export interface RowStore {
  /** Cache hits, as FeatureCache.lookupRows hands them over. */
  readonly fromCache: RowSink;
  /** Row j of a computed batch belongs to image idx. */
  putComputed(idx: number, pooled: Float32Array, logits: Float32Array, j: number): void;
  /** Moves the rows of images with status Hit to the front, in order; returns how many there are. */
  pack(status: Uint8Array): number;
}

/** Index of the largest of logits[o, o + C) (the first one on ties, like argmaxRows). */
export function argmaxAt(logits: Float32Array, o: number, C: number): number {
  let best = 0;
  let bv = logits[o];
  for (let c = 1; c < C; c++) {
    const v = logits[o + c];
    if (v > bv) { bv = v; best = c; }
  }
  return best;
}

/** Keeps n x D features and n x C logits (float32), plus each image's predicted class. */
export class MatrixStore implements RowStore {
  readonly pooled: Float32Array;
  readonly logits: Float32Array;
  readonly fromCache: RowSink;
  constructor(n: number, readonly dim: number, readonly classes: number) {
    this.pooled = new Float32Array(n * dim);
    this.logits = new Float32Array(n * classes);
    this.fromCache = matrixSink(this.pooled, this.logits, dim, classes);
  }

  /** Copies row j of a batch's outputs to image idx's rows. */
  putComputed(idx: number, pooled: Float32Array, logits: Float32Array, j: number): void {
    const { dim: D, classes: C } = this;
    this.pooled.set(pooled.subarray(j * D, (j + 1) * D), idx * D);
    this.logits.set(logits.subarray(j * C, (j + 1) * C), idx * C);
  }

  /** Packs rows in place. */
  pack(status: Uint8Array): number {
    const { dim: D, classes: C } = this;
    let m = 0;
    for (let i = 0; i < status.length; i++) {
      if (status[i] !== LookupStatus.Hit) continue;
      if (m !== i) {
        this.pooled.copyWithin(m * D, i * D, (i + 1) * D);
        this.logits.copyWithin(m * C, i * C, (i + 1) * C);
      }
      m++;
    }
    return m;
  }

  /** Predicted class of each of the first m rows. */
  predictions(m: number): Int32Array {
    const out = new Int32Array(m);
    for (let i = 0; i < m; i++) out[i] = argmaxAt(this.logits, i * this.classes, this.classes);
    return out;
  }
}

/** Keeps only each image's predicted class: 4 bytes per image, whatever D and C are. */
export class PredictionStore implements RowStore {
  readonly predicted: Int32Array;
  readonly fromCache: RowSink;
  private readonly scratch: Float32Array;
  constructor(n: number, readonly classes: number) {
    this.predicted = new Int32Array(n);
    this.scratch = new Float32Array(SCRATCH_ROWS * classes);
    this.fromCache = (first, count, body, row) => {
      for (let a = 0; a < count; a += SCRATCH_ROWS) {
        const k = Math.min(SCRATCH_ROWS, count - a);
        body.copyLogits(row + a, k, this.scratch, 0);
        for (let r = 0; r < k; r++) this.predicted[first + a + r] = argmaxAt(this.scratch, r * classes, classes);
      }
    };
  }

  /** Records the predicted class of row j of a batch. */
  putComputed(idx: number, _pooled: Float32Array, logits: Float32Array, j: number): void {
    this.predicted[idx] = argmaxAt(logits, j * this.classes, this.classes);
  }

  /** Packs predictions in place. */
  pack(status: Uint8Array): number {
    let m = 0;
    for (let i = 0; i < status.length; i++) if (status[i] === LookupStatus.Hit) this.predicted[m++] = this.predicted[i];
    return m;
  }
}
