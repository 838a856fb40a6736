// Heatmap pixels: a unit map (0..1) through a colormap, blended over the image the model saw. The colormap is
// perceptually uniform (shared/colormap, inferno by default), so equal steps of activation look like equal steps.
import { colormapLut, type Colormap } from '../../shared/colormap';

/** 1024 levels are finer than 8-bit output can show and spare a polynomial per pixel. */
const LEVELS = 1024;
const luts = new Map<Colormap, Uint8Array>();

function lutOf(map: Colormap): Uint8Array {
  let lut = luts.get(map);
  if (!lut) luts.set(map, (lut = colormapLut(map, LEVELS)));
  return lut;
}

/**
 * out = (1 - alpha) * rgb + alpha * colormap(unitMap) per pixel, rounded; alpha 1 gives the colormap alone (a layer the
 * panel lays over the image with its own opacity). Map values outside [0, 1] clamp, NaN counts as 0.
 */
export function blendColormap(rgb: Uint8Array, width: number, height: number, unitMap: Float32Array, alpha: number, map: Colormap): Uint8Array {
  const n = width * height;
  if (rgb.length < n * 3) throw new RangeError(`blendColormap: rgb has ${rgb.length} bytes, expected width*height*3 = ${n * 3}`);
  if (unitMap.length < n) throw new RangeError(`blendColormap: map has ${unitMap.length} values, expected width*height = ${n}`);
  const a = alpha < 0 ? 0 : alpha > 1 ? 1 : alpha;
  const lut = lutOf(map);
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const v = unitMap[p];
    const k = (Number.isNaN(v) ? 0 : Math.round((v < 0 ? 0 : v > 1 ? 1 : v) * (LEVELS - 1))) * 3;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.round((1 - a) * rgb[p * 3 + c] + a * lut[k + c]);
  }
  return out;
}
