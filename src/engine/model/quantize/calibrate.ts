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

/** How ranges are taken: min / max over all batches, or a percentile pair per batch averaged over batches. */
export type CalibrationMethod = { kind: 'minmax' } | { kind: 'percentile'; percentile: number };

/** Values sampled per batch and tensor for a percentile (evenly strided, so a batch costs one small sort). */
const PERCENTILE_SAMPLE = 65_536;

/** Running ranges of each calibrated tensor over every batch seen. */
export class RangeCollector {
  private readonly ranges = new Map<string, Range>();
  private readonly sums = new Map<string, { lo: number; hi: number; n: number }>();

  constructor(private readonly method: CalibrationMethod = { kind: 'minmax' }) {
    if (method.kind === 'percentile' && !(method.percentile > 50 && method.percentile <= 100)) {
      throw new RangeError(`calibration percentile must be in (50, 100], got ${method.percentile}`);
    }
  }

  /** Folds one batch's values of `tensor` into its range (NaN and infinities are ignored). */
  add(tensor: string, values: Float32Array): void {
    if (this.method.kind === 'percentile') {
      this.addPercentile(tensor, values, this.method.percentile);
      return;
    }
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

  private addPercentile(tensor: string, values: Float32Array, p: number): void {
    const step = Math.max(1, Math.floor(values.length / PERCENTILE_SAMPLE));
    const sample: number[] = [];
    for (let i = 0; i < values.length; i += step) if (Number.isFinite(values[i])) sample.push(values[i]);
    if (sample.length === 0) return;
    const sorted = Float64Array.from(sample).sort();
    const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.round((q / 100) * (sorted.length - 1))))];
    const s = this.sums.get(tensor) ?? { lo: 0, hi: 0, n: 0 };
    s.lo += at(100 - p);
    s.hi += at(p);
    s.n++;
    this.sums.set(tensor, s);
  }

  /** The ranges so far; a tensor never seen is missing. */
  result(): Map<string, Range> {
    if (this.method.kind === 'percentile') return new Map([...this.sums].map(([k, s]) => [k, { min: s.lo / s.n, max: s.hi / s.n }]));
    return new Map([...this.ranges].map(([k, v]) => [k, { ...v }]));
  }
}
