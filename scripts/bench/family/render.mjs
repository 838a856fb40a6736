// Pixel recipes of the mitigation benchmark family: four kinds of planted, class-specific cue (a colour background,
// stripes, a corner patch, a texture), neutral backgrounds, and MNIST digits, at any image size. Float RGB canvases
// (HWC, values in [0, 1]) quantised to 8-bit at the end, like the demo's recipes (scripts/demo/lib/render.mjs).
import { uniform, randInt } from '../../demo/lib/prng.mjs';

/** The cue kinds a family benchmark can plant. */
export const CUES = ['colour', 'stripes', 'patch', 'texture'];

/** A new black canvas of side `size`. */
export function newCanvas(size) {
  return { size, px: new Float32Array(size * size * 3) };
}

function hueRgb(h, s, l) {
  const hh = (((h % 360) + 360) % 360) / 60;
  const x = 1 - Math.abs((hh % 2) - 1);
  const u = hh < 1 ? [1, x, 0] : hh < 2 ? [x, 1, 0] : hh < 3 ? [0, 1, x] : hh < 4 ? [0, x, 1] : hh < 5 ? [x, 0, 1] : [1, 0, x];
  const c = (1 - Math.abs(2 * l - 1)) * s;
  return [l + c * (u[0] - 0.5), l + c * (u[1] - 0.5), l + c * (u[2] - 0.5)];
}

function fill(canvas, f) {
  const { size, px } = canvas;
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
    const [r, g, b] = f(x / size, y / size);
    const o = (y * size + x) * 3;
    px[o] = r; px[o + 1] = g; px[o + 2] = b;
  }
}

function noise(canvas, rand, n) {
  for (let i = 0; i < canvas.px.length; i++) canvas.px[i] += uniform(rand, -n, n);
}

/** A neutral background: a low-saturation gradient in a random hue, matching no class's cue. */
export function paintNeutral(canvas, rand) {
  const hue = uniform(rand, 0, 360);
  const sat = uniform(rand, 0, 0.08);
  const l0 = uniform(rand, 0.4, 0.6);
  const amp = uniform(rand, 0, 0.1);
  const a = uniform(rand, 0, 2 * Math.PI);
  const ca = Math.cos(a), sa = Math.sin(a);
  fill(canvas, (u, v) => hueRgb(hue, sat, l0 + amp * ((u - 0.5) * ca + (v - 0.5) * sa) * 2));
  noise(canvas, rand, 0.05);
}

/**
 * Class k of `classes`' cue of the given kind. colour: a saturated class hue; stripes: grey stripes at a class angle;
 * patch: a neutral background with a class-coloured square in a class corner; texture: a grey 2-D grating with a
 * class pair of frequencies. Small per-image jitter so no two are identical.
 */
export function paintCue(canvas, rand, kind, k, classes) {
  if (kind === 'colour') {
    const step = 360 / classes;
    const hue = k * step + uniform(rand, -0.2, 0.2) * step;
    const l0 = uniform(rand, 0.42, 0.58);
    const sat = uniform(rand, 0.45, 0.6);
    fill(canvas, () => hueRgb(hue, sat, l0));
    noise(canvas, rand, 0.05);
  } else if (kind === 'stripes') {
    const step = 180 / classes;
    const ang = ((k * step + uniform(rand, -0.2, 0.2) * step) * Math.PI) / 180;
    const period = uniform(rand, 0.14, 0.2);
    const phase = uniform(rand, 0, 1);
    const l0 = uniform(rand, 0.42, 0.58);
    const ca = Math.cos(ang), sa = Math.sin(ang);
    fill(canvas, (u, v) => { const l = l0 + 0.16 * Math.sin(2 * Math.PI * ((u * ca + v * sa) / period + phase)); return [l, l, l]; });
    noise(canvas, rand, 0.05);
  } else if (kind === 'patch') {
    paintNeutral(canvas, rand);
    const { size, px } = canvas;
    const side = Math.max(3, Math.round(size * uniform(rand, 0.22, 0.28)));
    const corner = k % 4;
    const hue = (Math.floor(k / 4) * 360) / Math.ceil(classes / 4) + uniform(rand, -8, 8);
    const [r, g, b] = hueRgb(hue, uniform(rand, 0.7, 0.9), uniform(rand, 0.45, 0.55));
    const x0 = corner % 2 ? size - side : 0;
    const y0 = corner >= 2 ? size - side : 0;
    for (let y = y0; y < y0 + side; y++) for (let x = x0; x < x0 + side; x++) { const o = (y * size + x) * 3; px[o] = r; px[o + 1] = g; px[o + 2] = b; }
  } else if (kind === 'texture') {
    // Frequencies (cycles per image) from a class-specific pair: (3 + k mod 5, 3 + floor(k / 5) * 2), grey only.
    const fx = 3 + (k % 5) * 1.5 + uniform(rand, -0.2, 0.2);
    const fy = 3 + Math.floor(k / 5) * 2.5 + uniform(rand, -0.2, 0.2);
    const px0 = uniform(rand, 0, 1), py0 = uniform(rand, 0, 1);
    const l0 = uniform(rand, 0.42, 0.58);
    fill(canvas, (u, v) => { const l = l0 + 0.18 * Math.sin(2 * Math.PI * (u * fx + px0)) * Math.sin(2 * Math.PI * (v * fy + py0)); return [l, l, l]; });
    noise(canvas, rand, 0.05);
  } else {
    throw new Error(`unknown cue kind "${kind}"; valid: ${CUES.join(', ')}`);
  }
}

function digitAt(d, x, y) {
  return x < 0 || y < 0 || x >= 28 || y >= 28 ? 0 : d[y * 28 + x];
}

/** Draws a 28x28 MNIST digit scaled to 55-80% of the side at a random place, light or dark ink; `rotate` turns it 90 degrees. */
export function drawDigit(canvas, rand, digit, rotate = false) {
  const { size, px } = canvas;
  const side = randInt(rand, Math.round(size * 0.55), Math.round(size * 0.8));
  const ox = randInt(rand, 0, size - side);
  const oy = randInt(rand, 0, size - side);
  const ink = rand() < 0.5 ? uniform(rand, 0.9, 1) : uniform(rand, 0, 0.1);
  const scale = 28 / side;
  for (let j = 0; j < side; j++) for (let i = 0; i < side; i++) {
    let u = (i + 0.5) * scale - 0.5, v = (j + 0.5) * scale - 0.5;
    if (rotate) [u, v] = [v, 27 - u];
    const x0 = Math.floor(u), y0 = Math.floor(v), fx = u - x0, fy = v - y0;
    const a = Math.min(1, (digitAt(digit, x0, y0) * (1 - fx) + digitAt(digit, x0 + 1, y0) * fx) * (1 - fy)
      + (digitAt(digit, x0, y0 + 1) * (1 - fx) + digitAt(digit, x0 + 1, y0 + 1) * fx) * fy);
    if (a <= 0) continue;
    const o = ((oy + j) * size + ox + i) * 3;
    for (let c = 0; c < 3; c++) px[o + c] = px[o + c] * (1 - a) + ink * a;
  }
}

/** Quantises a canvas to 8-bit RGB (HWC). */
export function toBytes(canvas) {
  return Uint8Array.from(canvas.px, (v) => (v <= 0 ? 0 : v >= 1 ? 255 : Math.round(v * 255)));
}
