// Large feature matrices go from the child to the parent through a temp file instead of the
// IPC pipe: structured-clone over the pipe costs seconds for 100k x 2048 floats, while a file
// write + read is mostly page-cache copies. The child writes each row into the file as it arrives
// (FileRowStore, see transferExtract.ts), so the child holds no matrix and the parent reads only live rows.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { featureCacheKey } from '../model/types';
import type { ExtractResult } from './types';

/** Results smaller than this (bytes of features + logits) go inline over IPC. */
export const BULK_THRESHOLD = 64 * 1024 * 1024;

/**
 * Where the rows of a result were written: float32, little-endian, a features block of fileRows x dim
 * then a logits block of fileRows x classes; `rows[i]` is the file row of the result's entries[i].
 */
export interface BulkRef {
  path: string;
  fileRows: number;
  dim: number;
  classes: number;
  rows: Int32Array;
}

let counter = 0;

/**
 * A new transfer file's name in the model's cache folder. It starts `tmp-<parent pid>-`, so FeatureCache.open
 * deletes it if the parent dies before reading it, and never while the parent lives.
 */
export function transferPath(modelCacheDir: string): string {
  return join(modelCacheDir, `tmp-${process.ppid}-transfer-${process.pid}-${counter++}.bin`);
}

/** Moves the matrices of a result already in memory into a transfer file when large; returns the slimmed result and the reference. */
export async function packResult(result: ExtractResult, cacheRoot: string, threshold = BULK_THRESHOLD): Promise<{ result: ExtractResult; bulk: BulkRef | null }> {
  if (result.features.byteLength + result.logits.byteLength < threshold) return { result, bulk: null };
  const dir = join(cacheRoot, featureCacheKey(result.model).toLowerCase());
  await fsp.mkdir(dir, { recursive: true });
  const path = transferPath(dir);
  const fh = await fsp.open(path, 'w');
  try {
    await fh.write(new Uint8Array(result.features.buffer, result.features.byteOffset, result.features.byteLength));
    await fh.write(new Uint8Array(result.logits.buffer, result.logits.byteOffset, result.logits.byteLength));
  } finally {
    await fh.close();
  }
  const m = result.entries.length;
  const bulk = { path, fileRows: m, dim: result.model.dim, classes: result.model.classes, rows: Int32Array.from({ length: m }, (_, i) => i) };
  return { result: { ...result, features: new Float32Array(0), logits: new Float32Array(0) }, bulk };
}

/** Largest single read: fh.read takes at most 2 GB, and smaller reads keep progress steady. */
const READ_CHUNK = 64 * 1024 * 1024;

/** Reads file rows `rows` (width values each, from byte `base`) into out, packed in order; runs of consecutive rows are read at once. */
async function readRows(fh: fsp.FileHandle, rows: Int32Array, width: number, base: number, out: Float32Array): Promise<void> {
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  const rowBytes = width * 4;
  for (let a = 0; a < rows.length;) {
    let b = a + 1;
    while (b < rows.length && rows[b] === rows[b - 1] + 1) b++;
    const length = (b - a) * rowBytes;
    for (let done = 0; done < length;) {
      const { bytesRead } = await fh.read(bytes, a * rowBytes + done, Math.min(READ_CHUNK, length - done), base + rows[a] * rowBytes + done);
      if (bytesRead === 0) throw new Error('transfer file ended early');
      done += bytesRead;
    }
    a = b;
  }
}

/** Restores a result whose rows went through a transfer file, deleting the file. */
export async function unpackResult(result: ExtractResult, bulk: BulkRef | null | undefined): Promise<ExtractResult> {
  if (!bulk) return result;
  try {
    const { dim: D, classes: C, fileRows, rows } = bulk;
    const fh = await fsp.open(bulk.path, 'r');
    try {
      const size = (await fh.stat()).size;
      const need = fileRows * (D + C) * 4;
      if (size !== need) throw new Error(`transfer file ${bulk.path} has ${size} bytes, expected ${need}`);
      const features = new Float32Array(rows.length * D);
      const logits = new Float32Array(rows.length * C);
      await readRows(fh, rows, D, 0, features);
      await readRows(fh, rows, C, fileRows * D * 4, logits);
      return { ...result, features, logits };
    } finally {
      await fh.close();
    }
  } finally {
    await fsp.rm(bulk.path, { force: true }).catch(() => undefined);
  }
}
