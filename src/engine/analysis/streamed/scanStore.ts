// The analysis's one pass over every image's features, as the cache (or the model) hands them over: each image's
// predicted class and, per class, the sum of the features of the training images grouped into it (the feature
// importance of section 3.1 needs nothing else). Memory: C x D float64 sums and a few scratch rows, whatever n is.
import { LookupStatus, type RowSink } from '../../cache/featureCache';
import { predict } from '../../../core/linalg';
import { SPLIT_TRAIN } from '../../../core/classIndex';
import type { Grouping } from '../../../core/vocabulary';
import type { LinearHead } from '../../../core/types';
import { argmaxAt, SCRATCH_ROWS, type RowStore } from '../../extract/rowStore';

/** Per image (in the order rows arrive under): head-space label and split code. */
export interface ScanLabels {
  labels: Int32Array;
  split: Uint8Array;
}

/**
 * A RowStore computing predictions (argmax of the cached logits, or of `head` when given: a fitted or tuned head) and
 * the per-class feature sums of featureImportance, in one pass. Feature values are float16-representable (the cache
 * rounds them), so float64 sums are exact and do not depend on the order rows arrive in.
 */
export class ScanStore implements RowStore {
  readonly predicted: Int32Array;
  readonly sums: Float64Array;
  readonly counts: Int32Array;
  readonly fromCache: RowSink;
  private readonly pooled: Float32Array;
  private readonly logits: Float32Array;

  constructor(n: number, readonly dim: number, readonly classes: number, private readonly rows: ScanLabels, private readonly grouping: Grouping, private readonly head: LinearHead | null = null) {
    this.predicted = new Int32Array(n);
    const C = head ? head.classes : classes;
    this.sums = new Float64Array(C * dim);
    this.counts = new Int32Array(C);
    this.pooled = new Float32Array(SCRATCH_ROWS * dim);
    this.logits = new Float32Array(head ? 0 : SCRATCH_ROWS * classes);
    this.fromCache = (first, count, body, row) => {
      for (let a = 0; a < count; a += SCRATCH_ROWS) {
        const k = Math.min(SCRATCH_ROWS, count - a);
        if (this.head) {
          body.copyPooled(row + a, k, this.pooled, 0);
          this.take(first + a, k, this.pooled, this.logits, 0);
          continue;
        }
        // with the cached logits, only the rows that join a group need their features decoded
        body.copyLogits(row + a, k, this.logits, 0);
        for (let r = 0; r < k; r++) {
          const x = first + a + r;
          this.predicted[x] = argmaxAt(this.logits, r * classes, classes);
          if (this.groupOf(x) >= 0) {
            body.copyPooled(row + a + r, 1, this.pooled, 0);
            this.add(x, this.pooled, 0);
          }
        }
      }
    };
  }

  /** Row j of a computed batch belongs to image idx. */
  putComputed(idx: number, pooled: Float32Array, logits: Float32Array, j: number): void {
    this.take(idx, 1, pooled.subarray(j * this.dim, (j + 1) * this.dim), logits.subarray(j * this.classes, (j + 1) * this.classes), 0);
  }

  /** Packs the predictions of images with status Hit to the front, in order. */
  pack(status: Uint8Array): number {
    let m = 0;
    for (let i = 0; i < status.length; i++) if (status[i] === LookupStatus.Hit) this.predicted[m++] = this.predicted[i];
    return m;
  }

  private take(first: number, k: number, pooled: Float32Array, logits: Float32Array, at: number): void {
    const D = this.dim;
    if (this.head) {
      const pred = predict({ rows: k, cols: D, data: pooled.subarray(at * D, (at + k) * D) }, this.head);
      this.predicted.set(pred, first);
    } else {
      for (let r = 0; r < k; r++) this.predicted[first + r] = argmaxAt(logits, (at + r) * this.classes, this.classes);
    }
    for (let r = 0; r < k; r++) this.add(first + r, pooled, at + r);
  }

  /** The group (class) a training image's features are summed into under the grouping, or -1. */
  private groupOf(x: number): number {
    const { labels, split } = this.rows;
    if (split[x] !== SPLIT_TRAIN) return -1;
    const p = this.predicted[x];
    const g = this.grouping === 'predicted' ? p : (p === labels[x] ? labels[x] : -1);
    return g >= 0 && g < this.counts.length ? g : -1;
  }

  /** Adds image x's features (row `at` of pooled) to its group's sums. */
  private add(x: number, pooled: Float32Array, at: number): void {
    const g = this.groupOf(x);
    if (g < 0) return;
    const D = this.dim;
    this.counts[g]++;
    const o = g * D;
    const xo = at * D;
    for (let d = 0; d < D; d++) this.sums[o + d] += pooled[xo + d];
  }
}
