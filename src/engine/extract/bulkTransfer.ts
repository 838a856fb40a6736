// Large feature matrices go from the child to the parent through a temp file instead of the
// IPC pipe: structured-clone over the pipe costs seconds for 100k x 2048 floats, while a file
// write + read is mostly page-cache copies.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { ExtractResult } from './types';

/** Results smaller than this (bytes of features + logits) go inline over IPC. */
export const BULK_THRESHOLD = 64 * 1024 * 1024;

/** Where the arrays of a result were written: float32 features then logits, little-endian. */
export interface BulkRef {
  path: string;
  features: number;
  logits: number;
}

let counter = 0;

/**
 * Moves result.features/logits into a file in the model's cache folder when large; returns the slimmed
 * result and the reference. The name starts `tmp-<parent pid>-`, so FeatureCache.open deletes it
 * if the parent dies before reading it, and never while the parent lives.
 */
export async function packResult(result: ExtractResult, cacheRoot: string, threshold = BULK_THRESHOLD): Promise<{ result: ExtractResult; bulk: BulkRef | null }> {
  if (result.features.byteLength + result.logits.byteLength < threshold) return { result, bulk: null };
  const dir = join(cacheRoot, result.model.sha256.toLowerCase());
  await fsp.mkdir(dir, { recursive: true });
  const path = join(dir, `tmp-${process.ppid}-transfer-${process.pid}-${counter++}.bin`);
  const fh = await fsp.open(path, 'w');
  try {
    await fh.write(new Uint8Array(result.features.buffer, result.features.byteOffset, result.features.byteLength));
    await fh.write(new Uint8Array(result.logits.buffer, result.logits.byteOffset, result.logits.byteLength));
  } finally {
    await fh.close();
  }
  const bulk = { path, features: result.features.length, logits: result.logits.length };
  return { result: { ...result, features: new Float32Array(0), logits: new Float32Array(0) }, bulk };
}

/** Restores a result packed by packResult, deleting the transfer file. */
export async function unpackResult(result: ExtractResult, bulk: BulkRef | null | undefined): Promise<ExtractResult> {
  if (!bulk) return result;
  try {
    const buf = await fsp.readFile(bulk.path);
    const need = (bulk.features + bulk.logits) * 4;
    if (buf.length !== need) throw new Error(`transfer file ${bulk.path} has ${buf.length} bytes, expected ${need}`);
    const aligned = (buf.byteOffset & 3) === 0 ? buf : Buffer.from(buf);
    return {
      ...result,
      features: new Float32Array(aligned.buffer, aligned.byteOffset, bulk.features),
      logits: new Float32Array(aligned.buffer, aligned.byteOffset + bulk.features * 4, bulk.logits),
    };
  } finally {
    await fsp.rm(bulk.path, { force: true }).catch(() => undefined);
  }
}
