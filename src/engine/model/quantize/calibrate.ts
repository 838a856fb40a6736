// Activation ranges for static quantization, measured by running the float32 model over a seeded sample of the
// dataset's own images (a calibration set from another distribution would clip or waste the uint8 range).
import { createHash } from 'node:crypto';
import type { ImageEntry } from '../../dataset/types';
import type { Range } from './qdqGraph';

/**
 * Calibration images: 64. Min/max ranges of a ResNet's activations settle within a few dozen images (the running
 * max grows slowly after that, mostly by outliers that would only coarsen the scale), and 64 costs a few seconds
 * of float32 inference, small beside extracting the thousands of images int8 is for.
 */
export const CALIBRATION_IMAGES = 64;

/** Seed of the calibration sample (part of the quantized model's cache key). */
export const CALIBRATION_SEED = 1;

/**
 * The calibration sample: the `count` training images (all images when there is no train split) with the smallest
 * sha256(seed, rel). Chosen by hash rather than by position so that adding or removing images changes the sample,
 * and with it the int8 cache key, only when one of the chosen images is touched (probability count / n).
 */
export function calibrationSample(images: readonly ImageEntry[], count = CALIBRATION_IMAGES, seed = CALIBRATION_SEED): ImageEntry[] {
  const train = images.filter((e) => e.split === 'train');
  const pool = train.length >= count ? train : images;
  const keyed = pool.map((e) => ({ e, h: createHash('sha256').update(`${seed}\0${e.rel}`).digest('hex') }));
  keyed.sort((a, b) => (a.h < b.h ? -1 : a.h > b.h ? 1 : 0));
  return keyed.slice(0, count).map((k) => k.e).sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** Identity of a calibration sample: its images' paths, sizes and modification times, and the seed. */
export function calibrationDigest(sample: readonly ImageEntry[], seed = CALIBRATION_SEED): string {
  const h = createHash('sha256').update(`seed ${seed}\n`);
  for (const e of sample) h.update(`${e.rel}\0${e.size}\0${e.mtimeMs}\n`);
  return h.digest('hex');
}

/** Running min / max of each calibrated tensor over every batch seen. */
export class RangeCollector {
  private readonly ranges = new Map<string, Range>();

  /** Folds one batch's values of `tensor` into its range (NaN and infinities are ignored). */
  add(tensor: string, values: Float32Array): void {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (!Number.isFinite(min) || !Number.isFinite(max)) return;
    const r = this.ranges.get(tensor);
    if (!r) this.ranges.set(tensor, { min, max });
    else { r.min = Math.min(r.min, min); r.max = Math.max(r.max, max); }
  }

  /** The ranges so far; a tensor never seen is missing. */
  result(): Map<string, Range> {
    return new Map([...this.ranges].map(([k, v]) => [k, { ...v }]));
  }
}
