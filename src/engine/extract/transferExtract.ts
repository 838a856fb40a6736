// The child's side of an extraction job: like `extract`, but large results stream into a transfer
// file row by row instead of filling matrices in the child (see bulkTransfer.ts).
import { promises as fsp } from 'node:fs';
import type { ExtractOptions, ExtractResult } from './types';
import { extractInto, matrixResult } from './pipeline';
import { MatrixStore } from './rowStore';
import { FileRowStore } from './fileStore';
import { BULK_THRESHOLD, transferPath, type BulkRef } from './bulkTransfer';

/**
 * `extract` for the child process: when the matrices would reach `threshold` bytes, every row goes straight
 * to a transfer file while extracting (the child never holds n x D) and the result comes back without
 * matrices plus the file's reference; smaller results come back whole, for the IPC message.
 */
export async function extractForTransfer(opts: ExtractOptions, threshold = BULK_THRESHOLD): Promise<{ result: ExtractResult; bulk: BulkRef | null }> {
  const made: { file?: FileRowStore } = {};
  try {
    const { summary, store } = await extractInto<MatrixStore | FileRowStore>(opts, (n, info, dir) => {
      if (n * (info.dim + info.classes) * 4 < threshold) return new MatrixStore(n, info.dim, info.classes);
      return (made.file = new FileRowStore(transferPath(dir), n, info.dim, info.classes));
    });
    if (store instanceof MatrixStore) return { result: matrixResult(summary, store), bulk: null };
    store.close();
    const m = summary.entries.length;
    return {
      result: { ...summary, predicted: store.predicted.slice(0, m), features: new Float32Array(0), logits: new Float32Array(0) },
      bulk: { path: store.path, fileRows: store.rows, dim: store.dim, classes: store.classes, rows: store.hitRows },
    };
  } catch (e) {
    if (made.file) {
      made.file.close();
      await fsp.rm(made.file.path, { force: true }).catch(() => undefined);
    }
    throw e;
  }
}

