// Splits for datasets that do not name one: a stable hash of the image's relative path.
import { createHash } from 'node:crypto';
import type { Split } from '../../core/types';

/** Share of images the hash split puts in 'train'; the rest go to 'val'. */
export const HASH_TRAIN_FRACTION = 0.8;

/**
 * Deterministic split of an image by its dataset-relative path (forward slashes):
 * the first 4 bytes of SHA-256(UTF-8 rel), read big-endian as u32, divided by 2^32;
 * below 0.8 is 'train', else 'val'. Depends on nothing but the path, so adding or
 * removing other images never moves an image between splits.
 */
export function hashSplit(rel: string): Split {
  const h = createHash('sha256').update(rel, 'utf8').digest();
  return h.readUInt32BE(0) / 2 ** 32 < HASH_TRAIN_FRACTION ? 'train' : 'val';
}

/** Folder names (and manifest values) that can serve as validation, most preferred first. */
export const VALIDATION_NAMES = ['val', 'validation', 'test'] as const;
