// Soft masks of feature sensitivity (paper appendix B): where a feature's neural activation map marks the image.
import { normalizeByMax, upsampleBilinear } from './nam';

/** A feature's soft mask: its h x w map divided by its max, upsampled bilinearly (torch semantics) to H x W, clamped to [0, 1]. */
export function softMask(map: Float32Array, h: number, w: number, H: number, W: number): Float32Array {
  const up = upsampleBilinear(normalizeByMax(map.subarray(0, h * w)), h, w, H, W);
  // Negative activations mark nothing: the mask is a blend weight and must stay in [0, 1].
  for (let i = 0; i < up.length; i++) up[i] = up[i] < 0 ? 0 : up[i] > 1 ? 1 : up[i];
  return up;
}

/** Pixel-wise max of several masks of one size; null when there are none. */
export function maxMask(masks: Float32Array[]): Float32Array | null {
  if (masks.length === 0) return null;
  const out = new Float32Array(masks[0]);
  for (const m of masks.slice(1)) {
    if (m.length !== out.length) throw new RangeError(`maxMask: masks differ in size (${m.length} vs ${out.length} pixels)`);
    for (let i = 0; i < out.length; i++) if (m[i] > out[i]) out[i] = m[i];
  }
  return out;
}

/**
 * A spurious feature's mask without the class object: m * (1 - maxCore). Multiplying rather than subtracting
 * (max(0, m - maxCore)) because NAMs are coarse (7x7 or 8x8, upsampled) with broad tails: a core map at 0.4 over
 * the background would erase every spurious weight below 0.4 there, while the product only scales it down in
 * proportion to how strongly the object is marked, and still removes it entirely where a core map peaks (1).
 */
export function removeCoreOverlap(mask: Float32Array, maxCore: Float32Array | null): Float32Array {
  if (!maxCore) return new Float32Array(mask);
  if (maxCore.length !== mask.length) throw new RangeError(`removeCoreOverlap: mask has ${mask.length} pixels, core mask ${maxCore.length}`);
  const out = new Float32Array(mask.length);
  for (let i = 0; i < mask.length; i++) {
    const c = maxCore[i] < 0 ? 0 : maxCore[i] > 1 ? 1 : maxCore[i];
    out[i] = mask[i] * (1 - c);
  }
  return out;
}

/** Mean of a mask over its pixels (0-1): the share of the image a corruption touches. */
export function maskMean(mask: Float32Array): number {
  let s = 0;
  for (let i = 0; i < mask.length; i++) s += mask[i];
  return mask.length ? s / mask.length : 0;
}
