// Pixel recipes of the demo benchmark: class cue backgrounds, neutral backgrounds and MNIST digits,
// drawn into float RGB canvases (HWC, values in [0, 1]) and quantised to 8-bit at the end.
import { uniform, randInt } from './prng.mjs';

/** Side of every generated image, in pixels. */
export const SIZE = 64;

const HUE_STEP = 36;
const ANGLE_STEP = 18;
const HUE_NAMES = ['red', 'orange', 'yellow-green', 'green', 'spring green', 'cyan', 'azure', 'violet', 'magenta', 'rose'];

/**
 * How strongly the cue is drawn. Tuned together with the training script so the bundled model
 * leans on the cue only in part (see models/README.md for the measured effect).
 */
export const DEFAULT_CUE_STYLE = { saturation: 0.5, stripeAmplitude: 0.1, noise: 0.06, hueJitter: 20, angleJitter: 10 };

/** A human-readable description of class k's cue, for ground-truth.json. */
export function cueDescription(k) {
  return `${HUE_NAMES[k]} background (hue ${k * HUE_STEP} deg) with soft stripes at ${k * ANGLE_STEP} deg`;
}

/** A new black canvas. */
export function newCanvas() {
  return new Float32Array(SIZE * SIZE * 3);
}

// HSL with fixed hue and saturation is affine in lightness per channel (for l <= 0.5 and l > 0.5
// separately): precompute the hue's unit direction once so each pixel costs a few multiplies.
function hueUnit(h) {
  const hh = (((h % 360) + 360) % 360) / 60;
  const x = 1 - Math.abs((hh % 2) - 1);
  if (hh < 1) return [1, x, 0];
  if (hh < 2) return [x, 1, 0];
  if (hh < 3) return [0, 1, x];
  if (hh < 4) return [0, x, 1];
  if (hh < 5) return [x, 0, 1];
  return [1, 0, x];
}

function hslInto(unit, s, l, out, o) {
  const c = (1 - Math.abs(2 * l - 1)) * s;
  out[o] = l + c * (unit[0] - 0.5);
  out[o + 1] = l + c * (unit[1] - 0.5);
  out[o + 2] = l + c * (unit[2] - 0.5);
}

/** Class k's planted cue: a saturated class hue with soft stripes at a class angle; small per-image jitter so no two are identical. */
export function paintCue(canvas, rand, k, style = DEFAULT_CUE_STYLE) {
  const hue = k * HUE_STEP + uniform(rand, -style.hueJitter, style.hueJitter);
  const angle = ((k * ANGLE_STEP + uniform(rand, -style.angleJitter, style.angleJitter)) * Math.PI) / 180;
  const period = uniform(rand, 9, 12);
  const phase = uniform(rand, 0, period);
  const l0 = uniform(rand, 0.42, 0.58);
  const sat = style.saturation * uniform(rand, 0.85, 1);
  const ca = Math.cos(angle), sa = Math.sin(angle);
  const unit = hueUnit(hue);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const t = (x * ca + y * sa + phase) / period;
      const l = l0 + style.stripeAmplitude * Math.sin(2 * Math.PI * t);
      hslInto(unit, sat, l, canvas, (y * SIZE + x) * 3);
    }
  }
  addNoise(canvas, rand, style.noise);
}

/** A neutral background: a low-saturation linear gradient in a random hue, no stripes, so it matches no class's cue. */
export function paintNeutral(canvas, rand, style = DEFAULT_CUE_STYLE) {
  const hue = uniform(rand, 0, 360);
  const sat = uniform(rand, 0, 0.1);
  const l0 = uniform(rand, 0.38, 0.62);
  const amp = uniform(rand, 0, 0.12);
  const angle = uniform(rand, 0, 2 * Math.PI);
  const ca = Math.cos(angle), sa = Math.sin(angle);
  const unit = hueUnit(hue);
  const half = SIZE / 2;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const t = ((x - half) * ca + (y - half) * sa) / half;
      hslInto(unit, sat, l0 + amp * t, canvas, (y * SIZE + x) * 3);
    }
  }
  addNoise(canvas, rand, style.noise);
}

function addNoise(canvas, rand, n) {
  if (n <= 0) return;
  for (let i = 0; i < canvas.length; i++) canvas[i] += uniform(rand, -n, n);
}

function sampleDigit(digit, u, v) {
  // Bilinear sampling with zeros outside the 28x28 digit (pixel centres at integer + 0.5).
  const x = u - 0.5, y = v - 0.5;
  const x0 = Math.floor(x), y0 = Math.floor(y);
  const fx = x - x0, fy = y - y0;
  return (digitAt(digit, x0, y0) * (1 - fx) + digitAt(digit, x0 + 1, y0) * fx) * (1 - fy)
    + (digitAt(digit, x0, y0 + 1) * (1 - fx) + digitAt(digit, x0 + 1, y0 + 1) * fx) * fy;
}

function digitAt(digit, x, y) {
  return x < 0 || y < 0 || x >= 28 || y >= 28 ? 0 : digit[y * 28 + x];
}

/**
 * Draws a 28x28 MNIST digit (784 values in [0, 1]) scaled up with random size and position, in a
 * light or dark ink chosen at random: the background's lightness range keeps either in contrast.
 */
export function drawDigit(canvas, rand, digit) {
  const side = randInt(rand, 34, 50);
  const ox = randInt(rand, 0, SIZE - side);
  const oy = randInt(rand, 0, SIZE - side);
  const light = rand() < 0.5;
  const ink = light ? uniform(rand, 0.9, 1) : uniform(rand, 0, 0.1);
  const opacity = uniform(rand, 0.85, 1);
  const scale = 28 / side;
  for (let j = 0; j < side; j++) {
    for (let i = 0; i < side; i++) {
      const a = Math.min(1, sampleDigit(digit, (i + 0.5) * scale, (j + 0.5) * scale)) * opacity;
      if (a <= 0) continue;
      const o = ((oy + j) * SIZE + ox + i) * 3;
      for (let c = 0; c < 3; c++) canvas[o + c] = canvas[o + c] * (1 - a) + ink * a;
    }
  }
}

/** Quantises a float canvas to 8-bit RGB (HWC). */
export function toBytes(canvas) {
  const out = new Uint8Array(canvas.length);
  for (let i = 0; i < canvas.length; i++) {
    const v = canvas[i];
    out[i] = v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255);
  }
  return out;
}
