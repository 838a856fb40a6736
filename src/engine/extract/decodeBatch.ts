// Decodes one batch of images concurrently into a batch buffer, packing the successes.
import type { ImageEntry } from '../dataset/types';
import type { Preprocess } from '../model/types';
import type { ExtractDeps, ExtractFailureReason } from './types';

const REASONS: ReadonlySet<string> = new Set<ExtractFailureReason>(['empty', 'corrupt', 'truncated', 'too-large', 'unsupported', 'unreadable']);

/** A decoded batch: dataset indices packed at the buffer's start, and the images that failed. */
export interface DecodedBatch {
  ok: number[];
  failed: Array<{ index: number; reason: ExtractFailureReason; message: string }>;
}

/** Maps a decoder error to a failure reason: ImageDecodeError carries one; anything else is 'error'. */
export function failureReason(e: unknown): ExtractFailureReason {
  const reason = (e as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' && REASONS.has(reason) ? (reason as ExtractFailureReason) : 'error';
}

/**
 * Decodes images[indices] into out (image j at j x 3 x crop x crop); a failed image is dropped and
 * the later ones shifted down, so rows 0..ok.length-1 are the batch. Never rejects.
 */
export async function decodeBatch(deps: ExtractDeps, images: ImageEntry[], indices: number[], pre: Preprocess, out: Float32Array, pixelLimit: number): Promise<DecodedBatch> {
  const size = 3 * pre.crop * pre.crop;
  const errors = await Promise.all(
    indices.map((idx, j) => deps.decodeInto(images[idx].path, pre, out, j * size, { pixelLimit }).then(() => null, (e: unknown) => e ?? new Error('unknown decode error'))),
  );
  const ok: number[] = [];
  const failed: DecodedBatch['failed'] = [];
  errors.forEach((err, j) => {
    const idx = indices[j];
    if (err === null) {
      if (ok.length !== j) out.copyWithin(ok.length * size, j * size, (j + 1) * size);
      ok.push(idx);
    } else {
      const message = err instanceof Error ? err.message : String(err);
      failed.push({ index: idx, reason: failureReason(err), message: message.includes(images[idx].path) ? message : `${images[idx].path}: ${message}` });
    }
  });
  return { ok, failed };
}
