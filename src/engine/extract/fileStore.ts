// A RowStore for the child process: each image's float32 rows go straight into the transfer file at
// the image's dataset row (features block n x D, then logits block n x C), so the child holds no
// matrix; the parent reads back only the rows of images with features (bulkTransfer.unpackResult).
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import type { RowSink } from '../cache/featureCache';
import { LookupStatus } from '../cache/featureCache';
import { argmaxAt, SCRATCH_ROWS, type RowStore } from './rowStore';

const bytesOf = (a: Float32Array): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Writes rows to `path` (created, sized for n images) and keeps each image's predicted class. */
export class FileRowStore implements RowStore {
  readonly predicted: Int32Array;
  readonly fromCache: RowSink;
  /** After pack: the file row of each image with features, in dataset order. */
  hitRows = new Int32Array(0);
  private fd: number | null;
  private readonly pooledScratch: Float32Array;
  private readonly logitsScratch: Float32Array;

  constructor(readonly path: string, readonly rows: number, readonly dim: number, readonly classes: number) {
    this.predicted = new Int32Array(rows);
    this.pooledScratch = new Float32Array(SCRATCH_ROWS * dim);
    this.logitsScratch = new Float32Array(SCRATCH_ROWS * classes);
    this.fd = openSync(path, 'w');
    // Rows of failed images stay holes (never read back).
    ftruncateSync(this.fd, rows * (dim + classes) * 4);
    this.fromCache = (first, count, body, row) => {
      for (let a = 0; a < count; a += SCRATCH_ROWS) {
        const k = Math.min(SCRATCH_ROWS, count - a);
        body.copyPooled(row + a, k, this.pooledScratch, 0);
        body.copyLogits(row + a, k, this.logitsScratch, 0);
        this.write(this.pooledScratch.subarray(0, k * dim), (first + a) * dim);
        this.write(this.logitsScratch.subarray(0, k * classes), rows * dim + (first + a) * classes);
        for (let r = 0; r < k; r++) this.predicted[first + a + r] = argmaxAt(this.logitsScratch, r * classes, classes);
      }
    };
  }

  // Synchronous positioned writes: the child serves one job, and a batch's rows are a few page-cache copies.
  private write(values: Float32Array, atValue: number): void {
    if (this.fd === null) throw new Error(`transfer file ${this.path} is already closed`);
    const bytes = bytesOf(values);
    for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done, bytes.length - done, atValue * 4 + done);
  }

  /** Writes row j of a batch as image idx's rows. */
  putComputed(idx: number, pooled: Float32Array, logits: Float32Array, j: number): void {
    const { dim: D, classes: C } = this;
    this.write(pooled.subarray(j * D, (j + 1) * D), idx * D);
    this.write(logits.subarray(j * C, (j + 1) * C), this.rows * D + idx * C);
    this.predicted[idx] = argmaxAt(logits, j * C, C);
  }

  /** Records which file rows hold images with features and packs the predictions; the file is left as it is. */
  pack(status: Uint8Array): number {
    const hitRows = new Int32Array(status.length);
    let m = 0;
    for (let i = 0; i < status.length; i++) {
      if (status[i] !== LookupStatus.Hit) continue;
      hitRows[m] = i;
      this.predicted[m++] = this.predicted[i];
    }
    this.hitRows = hitRows.slice(0, m);
    return m;
  }

  /** Closes the file (idempotent). */
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
