// Object masks of the demo benchmark, derived from the MNIST ink: the generator replays an image's seeded drawing
// over a black and over a white canvas (drawDigit blends c' = c (1 - a) + ink a, so the two differ by 1 - a) to
// recover the digit's opacity per pixel, without touching the pixel recipe (render.mjs) or its random sequence.
import { SIZE, drawDigit, newCanvas } from './render.mjs';

/** Radius (pixels) the ink is grown by: a segmentation outlines the object, strokes and the paper between them (see inkMask). */
export const MASK_GROW = 2;

/**
 * The digit's ink opacity per pixel (SIZE x SIZE, in [0, 1]) of the image `paint` + drawDigit(digit) draws with the
 * random sequence `makeRand()` gives: `paint(canvas, rand)` must consume rand exactly as the real drawing does.
 */
export function inkAlpha(makeRand, paint, digit) {
  const draw = (fill) => {
    const rand = makeRand();
    const canvas = newCanvas();
    paint(canvas, rand);
    canvas.fill(fill);
    drawDigit(canvas, rand, digit);
    return canvas;
  };
  const zero = draw(0);
  const one = draw(1);
  const alpha = new Float32Array(SIZE * SIZE);
  for (let q = 0; q < alpha.length; q++) alpha[q] = Math.min(1, Math.max(0, 1 - (one[q * 3] - zero[q * 3])));
  return alpha;
}

/**
 * The 8-bit mask of a digit: ink opacity grown by `grow` pixels (max over a disc), as a segmentation of a digit would
 * cover its strokes a little generously; 255 = object.
 */
export function inkMask(alpha, grow = MASK_GROW) {
  const out = new Uint8Array(SIZE * SIZE);
  const r2 = grow * grow;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      let m = 0;
      for (let dy = -grow; dy <= grow; dy++) {
        const yy = y + dy;
        if (yy < 0 || yy >= SIZE) continue;
        for (let dx = -grow; dx <= grow; dx++) {
          const xx = x + dx;
          if (xx < 0 || xx >= SIZE || dx * dx + dy * dy > r2) continue;
          const a = alpha[yy * SIZE + xx];
          if (a > m) m = a;
        }
      }
      out[y * SIZE + x] = Math.round(m * 255);
    }
  }
  return out;
}
