// From spatial maps to boxes in model-input pixels: the mean of the class's core NAMs, upsampled to the input size
// (bilinear, torch semantics), thresholded relative to its own maximum.
import { thresholdBox, type EdgeBox } from '../../core/cropBox';
import { meanOfNormalized } from '../../core/namCombine';
import { upsampleBilinear } from '../../core/nam';
import type { SpatialResult } from '../extract/spatialMaps';

/**
 * The input-space box of one image, or null when its core features do not fire on it. `maps` are the image's raw
 * maps aligned with `mapFeatures`; `core` are the features to average. Each map is max-normalised before the mean
 * (the NAM definition); averaging before upsampling equals upsampling each NAM first, since bilinear is linear.
 */
export function inputBox(maps: Float32Array[], mapFeatures: number[], core: number[], spatial: Pick<SpatialResult, 'h' | 'w'>, inputSize: number, threshold: number): EdgeBox | null {
  const pos = new Map(mapFeatures.map((f, k) => [f, k] as const));
  const chosen = core.map((f) => {
    const k = pos.get(f);
    if (k === undefined || !maps[k]) throw new Error(`no spatial map for core feature ${f}`);
    return maps[k];
  });
  const mean = meanOfNormalized(chosen);
  const up = upsampleBilinear(mean, spatial.h, spatial.w, inputSize, inputSize);
  return thresholdBox(up, inputSize, inputSize, threshold);
}
