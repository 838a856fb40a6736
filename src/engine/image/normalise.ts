// From 8-bit RGB to the model's input tensor: the checks on a preprocessing description and torchvision's
// ToTensor + Normalize as a per-channel lookup table, shared by every decoder so all of them agree to the bit.
import type { Preprocess } from '../model/types';
import { cropOffset } from './geometry';

/** An 8-bit RGB image, pixels interleaved (HWC). */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Throws a RangeError naming the bad field unless resize/crop are integers in 1..8192 and mean/std finite with std != 0. */
export function checkPreprocess(pre: Preprocess): void {
  const ok = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 8192;
  if (!ok(pre.resize) || !ok(pre.crop)) {
    throw new RangeError(`preprocess: resize (${pre.resize}) and crop (${pre.crop}) must be integers in 1..8192`);
  }
  for (let c = 0; c < 3; c++) {
    if (!Number.isFinite(pre.mean[c]) || !Number.isFinite(pre.std[c]) || pre.std[c] === 0) {
      throw new RangeError(`preprocess: mean/std must be finite numbers with std != 0 (got mean ${pre.mean}, std ${pre.std})`);
    }
  }
}

const tables = new WeakMap<Preprocess, { key: string; lut: Float32Array }>();

/** Per-channel lookup of the normalised float32 value of each 8-bit level, computed in float32 like torch. */
function normaliseTable(pre: Preprocess): Float32Array {
  // Keyed by the values too: a caller may change mean/std in place between calls.
  const key = `${pre.mean.join()}/${pre.std.join()}`;
  const cached = tables.get(pre);
  if (cached && cached.key === key) return cached.lut;
  const lut = new Float32Array(768);
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(pre.mean[c]);
    const std = Math.fround(pre.std[c]);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = Math.fround(Math.fround(Math.fround(v / 255) - mean) / std);
  }
  tables.set(pre, { key, lut });
  return lut;
}

/** Center-crops a resized RGB image to pre.crop (zero padding when larger), normalises it and writes CHW float32 at offset. */
export function writeCropChw(img: RgbImage, pre: Preprocess, out: Float32Array, offset: number): void {
  const plane = pre.crop * pre.crop;
  const lut = normaliseTable(pre);
  const { top, left } = cropOffset(img.width, img.height, pre.crop);
  const src = img.data;
  const crop = pre.crop;
  if (top >= 0 && left >= 0 && top + crop <= img.height && left + crop <= img.width) {
    // The usual case (the crop fits): no bounds checks in the inner loop.
    for (let y = 0; y < crop; y++) {
      let s = ((y + top) * img.width + left) * 3;
      let o = offset + y * crop;
      for (let x = 0; x < crop; x++, s += 3, o++) {
        out[o] = lut[src[s]];
        out[o + plane] = lut[256 + src[s + 1]];
        out[o + 2 * plane] = lut[512 + src[s + 2]];
      }
    }
    return;
  }
  for (let y = 0; y < crop; y++) {
    const sy = y + top;
    const rowOut = offset + y * crop;
    for (let x = 0; x < crop; x++) {
      const sx = x + left;
      // torchvision pads a crop larger than the image with zeros before normalising.
      const inside = sy >= 0 && sy < img.height && sx >= 0 && sx < img.width;
      const s = (sy * img.width + sx) * 3;
      const o = rowOut + x;
      out[o] = lut[inside ? src[s] : 0];
      out[o + plane] = lut[256 + (inside ? src[s + 1] : 0)];
      out[o + 2 * plane] = lut[512 + (inside ? src[s + 2] : 0)];
    }
  }
}

/** Center-crops a resized RGB image to crop x crop 8-bit RGB (HWC), zero padding where the crop is larger. */
export function centerCropRgb(img: RgbImage, crop: number): RgbImage {
  const { top, left } = cropOffset(img.width, img.height, crop);
  const data = new Uint8Array(crop * crop * 3);
  for (let y = 0; y < crop; y++) {
    const sy = y + top;
    if (sy < 0 || sy >= img.height) continue;
    const x0 = Math.max(0, -left);
    const x1 = Math.min(crop, img.width - left);
    if (x1 <= x0) continue;
    const s = (sy * img.width + left + x0) * 3;
    data.set(img.data.subarray(s, s + (x1 - x0) * 3), (y * crop + x0) * 3);
  }
  return { data, width: crop, height: crop };
}

/** Normalises a crop x crop 8-bit RGB (HWC) image, as decodeCropRgb returns, into CHW float32 at offset with decodeInto's exact table. */
export function rgbToInput(rgb: Uint8Array, pre: Preprocess, out: Float32Array, offset: number): void {
  checkPreprocess(pre);
  const plane = pre.crop * pre.crop;
  if (rgb.length !== 3 * plane) throw new RangeError(`rgbToInput: expected ${pre.crop}x${pre.crop}x3 = ${3 * plane} bytes of RGB, got ${rgb.length}`);
  if (!(offset >= 0 && offset + 3 * plane <= out.length)) throw new RangeError(`rgbToInput: output has ${out.length} floats, cannot hold 3x${pre.crop}x${pre.crop} at offset ${offset}`);
  const lut = normaliseTable(pre);
  for (let p = 0, s = 0; p < plane; p++, s += 3) {
    out[offset + p] = lut[rgb[s]];
    out[offset + p + plane] = lut[256 + rgb[s + 1]];
    out[offset + p + 2 * plane] = lut[512 + rgb[s + 2]];
  }
}
