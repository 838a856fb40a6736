// The three corruptions of feature sensitivity (paper appendix B), on 8-bit HWC RGB images: gray removes
// colour, blur removes texture, patch-rotate removes shape. Each returns a new, fully corrupted image;
// blendMasked then keeps the corruption only where a feature's soft mask is high. The paper gives no
// parameters; ours are stated here and in the README ("Feature sensitivity").
import { randInt, type Rng } from './random';

/** Default Gaussian blur sigma as a fraction of the image side: 2 px at a 64 px input, 7 px at 224. */
export const DEFAULT_BLUR_SIGMA_FRACTION = 1 / 32;

/** Default patch side of patch-rotate as a fraction of the image side: an 8 x 8 grid (8 px at 64, 28 px at 224). */
export const DEFAULT_PATCH_FRACTION = 1 / 8;

function checkRgb(rgb: Uint8Array, width: number, height: number, what: string): void {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) {
    throw new RangeError(`${what}: width and height must be integers >= 1 (got ${width}x${height})`);
  }
  if (rgb.length !== width * height * 3) throw new RangeError(`${what}: expected ${width}x${height}x3 = ${width * height * 3} bytes of RGB, got ${rgb.length}`);
}

/**
 * Gray: ITU-R 601-2 luma in Pillow's fixed point, L = (19595 R + 38470 G + 7471 B + 32768) >> 16 (what
 * PIL's convert('L') computes), written to all three channels so the model still gets an RGB input.
 */
export function grayRgb(rgb: Uint8Array, width: number, height: number): Uint8Array {
  checkRgb(rgb, width, height, 'grayRgb');
  const out = new Uint8Array(rgb.length);
  for (let p = 0; p < rgb.length; p += 3) {
    const l = (rgb[p] * 19595 + rgb[p + 1] * 38470 + rgb[p + 2] * 7471 + 0x8000) >> 16;
    out[p] = l;
    out[p + 1] = l;
    out[p + 2] = l;
  }
  return out;
}

/** Normalised 1-D Gaussian taps exp(-x^2 / 2 sigma^2) for x in -radius..radius (radius = ceil(3 sigma) by default). */
export function gaussianKernel(sigma: number, radius = Math.ceil(3 * sigma)): Float64Array {
  if (!(Number.isFinite(sigma) && sigma > 0)) throw new RangeError(`gaussianKernel: sigma must be a finite number > 0 (got ${sigma})`);
  if (!(Number.isInteger(radius) && radius >= 0)) throw new RangeError(`gaussianKernel: radius must be an integer >= 0 (got ${radius})`);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let x = -radius; x <= radius; x++) sum += k[x + radius] = Math.exp(-(x * x) / (2 * sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/**
 * Separable Gaussian blur with the given taps (gaussianKernel): a horizontal then a vertical pass in
 * float64, rounded to 8 bits once at the end. Edges replicate the border pixel (clamp), as Pillow's
 * blur does, so a flat image stays flat up to its border.
 */
export function blurRgb(rgb: Uint8Array, width: number, height: number, kernel: Float64Array): Uint8Array {
  checkRgb(rgb, width, height, 'blurRgb');
  if (kernel.length % 2 !== 1) throw new RangeError(`blurRgb: the kernel needs an odd number of taps (got ${kernel.length})`);
  const r = (kernel.length - 1) / 2;
  const tmp = new Float64Array(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s0 = 0, s1 = 0, s2 = 0;
      for (let t = -r; t <= r; t++) {
        const sx = Math.min(width - 1, Math.max(0, x + t));
        const p = (y * width + sx) * 3;
        const k = kernel[t + r];
        s0 += rgb[p] * k; s1 += rgb[p + 1] * k; s2 += rgb[p + 2] * k;
      }
      const o = (y * width + x) * 3;
      tmp[o] = s0; tmp[o + 1] = s1; tmp[o + 2] = s2;
    }
  }
  const out = new Uint8Array(rgb.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s0 = 0, s1 = 0, s2 = 0;
      for (let t = -r; t <= r; t++) {
        const sy = Math.min(height - 1, Math.max(0, y + t));
        const p = (sy * width + x) * 3;
        const k = kernel[t + r];
        s0 += tmp[p] * k; s1 += tmp[p + 1] * k; s2 += tmp[p + 2] * k;
      }
      const o = (y * width + x) * 3;
      out[o] = clamp8(s0); out[o + 1] = clamp8(s1); out[o + 2] = clamp8(s2);
    }
  }
  return out;
}

const clamp8 = (v: number): number => (v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v));

/**
 * Patch-rotate: cuts the image into patch x patch tiles from the top-left corner and turns each by a random
 * multiple of 90 degrees counter-clockwise (one draw randInt(rng, 4) per tile, row-major). The partial tiles of
 * the right and bottom edges are not square, so only 0 or 180 degrees keeps them in place: they turn 180
 * degrees when the draw is 2 or 3. Same rng state, same result.
 */
export function patchRotateRgb(rgb: Uint8Array, width: number, height: number, patch: number, rng: Rng): Uint8Array {
  checkRgb(rgb, width, height, 'patchRotateRgb');
  if (!(Number.isInteger(patch) && patch >= 1)) throw new RangeError(`patchRotateRgb: patch must be an integer >= 1 (got ${patch})`);
  const out = new Uint8Array(rgb.length);
  for (let y0 = 0; y0 < height; y0 += patch) {
    for (let x0 = 0; x0 < width; x0 += patch) {
      const ph = Math.min(patch, height - y0);
      const pw = Math.min(patch, width - x0);
      const draw = randInt(rng, 4);
      const turns = ph === pw ? draw : draw & 2;
      for (let y = 0; y < ph; y++) {
        for (let x = 0; x < pw; x++) {
          // Source of output (y, x) in patch coordinates for a counter-clockwise turn (numpy rot90).
          let sy: number, sx: number;
          if (turns === 0) { sy = y; sx = x; }
          else if (turns === 1) { sy = x; sx = pw - 1 - y; }
          else if (turns === 2) { sy = ph - 1 - y; sx = pw - 1 - x; }
          else { sy = ph - 1 - x; sx = y; }
          const s = ((y0 + sy) * width + x0 + sx) * 3;
          const o = ((y0 + y) * width + x0 + x) * 3;
          out[o] = rgb[s]; out[o + 1] = rgb[s + 1]; out[o + 2] = rgb[s + 2];
        }
      }
    }
  }
  return out;
}

/**
 * Soft-mask blend: out = round(m * corrupted + (1 - m) * original) per pixel and channel, with m clamped to
 * [0, 1]. The corruption is computed over the whole image first, so a blurred region takes in its neighbours
 * as a blur of the full picture would.
 */
export function blendMasked(original: Uint8Array, corrupted: Uint8Array, mask: Float32Array): Uint8Array {
  if (original.length !== corrupted.length || original.length !== mask.length * 3) {
    throw new RangeError(`blendMasked: original (${original.length} bytes), corrupted (${corrupted.length}) and mask (${mask.length} pixels x 3) must agree`);
  }
  const out = new Uint8Array(original.length);
  for (let p = 0; p < mask.length; p++) {
    const v = mask[p];
    const m = v > 0 ? (v < 1 ? v : 1) : 0;
    for (let c = 0; c < 3; c++) {
      const i = p * 3 + c;
      out[i] = Math.round(m * corrupted[i] + (1 - m) * original[i]);
    }
  }
  return out;
}
