// Core cropping (paper section 5, appendix H): a box around what a class's core features look at.
// The mean of the core features' NAMs is thresholded at 0.9 of its own maximum, the surviving pixels'
// bounding box is grown 20% in width and height, squared by extending its shorter side, and kept
// inside the image. Crops are trusted only on the class's images with the strongest core activation.
import type { Matrix } from './types';

/** A box in pixels: columns x .. x + width - 1, rows y .. y + height - 1. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A box with real-valued edges (left, top inclusive; right, bottom exclusive), e.g. after a change of coordinates. */
export interface EdgeBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The paper's parameters: threshold 0.9, growth 20%, reliable = the class's top 20% by core activation. */
export const CROP_DEFAULTS = Object.freeze({ threshold: 0.9, growth: 0.2, reliableFraction: 0.2 });

function checkUnit(name: string, v: number, openLow: boolean): void {
  const ok = Number.isFinite(v) && (openLow ? v > 0 : v >= 0) && v <= 1;
  if (!ok) throw new RangeError(`${name} must be a number in ${openLow ? '(0, 1]' : '[0, 1]'}, got ${v}`);
}

/**
 * Bounding box of the pixels of a width x height row-major map at or above `threshold` times the map's maximum,
 * as integer edges. The map is renormalised by its own maximum first because a mean of several max-normalised NAMs
 * peaks below 1 wherever the features disagree on the location: an absolute 0.9 would then keep nothing at all.
 * Null when the map has no positive value (no core activation on this image). NaN values never survive.
 */
export function thresholdBox(map: Float32Array, width: number, height: number, threshold: number = CROP_DEFAULTS.threshold): EdgeBox | null {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1)) {
    throw new RangeError(`thresholdBox: width and height must be positive integers, got ${width}x${height}`);
  }
  if (map.length !== width * height) throw new RangeError(`thresholdBox: map has ${map.length} values, expected ${width}x${height} = ${width * height}`);
  checkUnit('threshold', threshold, true);
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) if (map[i] > max) max = map[i];
  if (!(max > 0) || !Number.isFinite(max)) return null;
  // In float32 like torch, which casts the Python scalar 0.9 to the tensor's dtype: a stored 0.9 survives.
  const cut = Math.fround(threshold);
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!(Math.fround(map[row + x] / max) >= cut)) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  return { x0, y0, x1: x1 + 1, y1: y1 + 1 };
}

/** One axis of a square of side `side` centred at `centre`, shifted (not shrunk) to lie in [0, size); spans the axis when it cannot fit. */
function placeAxis(centre: number, side: number, size: number): { start: number; length: number } {
  if (side >= size) return { start: 0, length: size };
  const start = Math.round(centre - side / 2);
  return { start: Math.min(Math.max(start, 0), size - side), length: side };
}

/**
 * Grows a box by `growth` of its width and of its height (about its centre), squares it by extending the shorter
 * side to the longer (side rounded to whole pixels, at least 1), then places it inside a imageWidth x imageHeight
 * image: a square that crosses a border is shifted inside, keeping its size, so the crop keeps the context the
 * growth asked for. A square larger than the image along an axis spans that whole axis instead, and the result
 * is then not square (`squareClipped`): the image holds no larger square there and padding would add pixels the
 * model never saw.
 */
export function growSquareClamp(box: EdgeBox, imageWidth: number, imageHeight: number, growth: number = CROP_DEFAULTS.growth): { box: Box; squareClipped: boolean } {
  if (!(Number.isInteger(imageWidth) && Number.isInteger(imageHeight) && imageWidth >= 1 && imageHeight >= 1)) {
    throw new RangeError(`growSquareClamp: image size must be positive integers, got ${imageWidth}x${imageHeight}`);
  }
  if (!(Number.isFinite(growth) && growth >= 0)) throw new RangeError(`growth must be a finite number >= 0, got ${growth}`);
  const { x0, y0, x1, y1 } = box;
  if (![x0, y0, x1, y1].every(Number.isFinite) || x1 <= x0 || y1 <= y0) {
    throw new RangeError(`growSquareClamp: box edges must be finite with x1 > x0 and y1 > y0, got ${JSON.stringify(box)}`);
  }
  const side = Math.max(1, Math.round(Math.max(x1 - x0, y1 - y0) * (1 + growth)));
  const ax = placeAxis((x0 + x1) / 2, side, imageWidth);
  const ay = placeAxis((y0 + y1) / 2, side, imageHeight);
  return {
    box: { x: ax.start, y: ay.start, width: ax.length, height: ay.length },
    squareClipped: ax.length !== side || ay.length !== side,
  };
}

/** The whole recipe in one coordinate system (map = image): threshold, grow, square, clamp; null without core activation. */
export function coreCropBox(
  meanCoreMap: Float32Array, width: number, height: number,
  opts: { threshold?: number; growth?: number } = {},
): { box: Box; squareClipped: boolean } | null {
  const tight = thresholdBox(meanCoreMap, width, height, opts.threshold ?? CROP_DEFAULTS.threshold);
  return tight && growSquareClamp(tight, width, height, opts.growth ?? CROP_DEFAULTS.growth);
}

/**
 * Core activation of each of `images` (row indices of features): the mean over the core features of the activation
 * z-scored over those same images (population sigma; a feature with sigma 0 adds 0), so features on different
 * scales weigh alike, as in spuriosity (section 4.1).
 */
export function coreActivation(features: Matrix, images: ArrayLike<number>, coreFeatures: number[]): Float32Array {
  if (coreFeatures.length === 0) throw new Error('coreActivation needs at least one core feature');
  for (const f of coreFeatures) {
    if (!Number.isInteger(f) || f < 0 || f >= features.cols) throw new RangeError(`core feature ${f} is out of range 0..${features.cols - 1}`);
  }
  const n = images.length;
  const out = new Float32Array(n);
  if (n === 0) return out;
  for (const f of coreFeatures) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += features.data[images[j] * features.cols + f];
    const mean = sum / n;
    let sq = 0;
    for (let j = 0; j < n; j++) sq += (features.data[images[j] * features.cols + f] - mean) ** 2;
    const sd = Math.sqrt(sq / n);
    if (!(sd > 0)) continue;
    for (let j = 0; j < n; j++) out[j] += (features.data[images[j] * features.cols + f] - mean) / sd / coreFeatures.length;
  }
  return out;
}

/**
 * Which scores are in the top `fraction` (the paper's reliable crops: top 20% by core activation). The top
 * ceil(fraction * n) finite scores are taken, plus any tied with the last of them (a tie cannot be split fairly);
 * cutoff is the lowest reliable score, null when nothing is reliable. NaN scores are never reliable.
 */
export function topFractionMask(scores: ArrayLike<number>, fraction: number = CROP_DEFAULTS.reliableFraction): { reliable: Uint8Array; cutoff: number | null } {
  checkUnit('reliable fraction', fraction, false);
  const finite: number[] = [];
  for (let i = 0; i < scores.length; i++) if (Number.isFinite(scores[i])) finite.push(scores[i]);
  const reliable = new Uint8Array(scores.length);
  const m = Math.ceil(fraction * finite.length - 1e-9);
  if (m === 0) return { reliable, cutoff: null };
  finite.sort((a, b) => b - a);
  const cutoff = finite[m - 1];
  for (let i = 0; i < scores.length; i++) if (scores[i] >= cutoff) reliable[i] = 1;
  return { reliable, cutoff };
}
