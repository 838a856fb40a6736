import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendMasked, blurRgb, gaussianKernel, grayRgb, patchRotateRgb } from '../../src/core/corruptions';
import type { Rng } from '../../src/core/random';

/** An rng whose every draw is the given value (randInt(rng, 4) = floor(4 v)). */
const fixed = (v: number): Rng => ({ next: () => v });
/** A 1-channel picture as RGB with all three channels equal (easier to read in expectations). */
const rgbOf = (vals: number[]): Uint8Array => Uint8Array.from(vals.flatMap((v) => [v, v, v]));
const redOf = (rgb: Uint8Array): number[] => Array.from(rgb.filter((_, i) => i % 3 === 0));

test('grayRgb is PIL convert("L") (ITU-R 601-2 in 16-bit fixed point) on all channels', () => {
  // (255,0,0): (255*19595 + 32768) >> 16 = 5029493 >> 16 = 76; green 150; blue 29;
  // (10,20,30): (195950 + 769400 + 224130 + 32768) >> 16 = 1222248 >> 16 = 18.
  const out = grayRgb(Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]), 2, 2);
  assert.deepEqual(Array.from(out), [76, 76, 76, 150, 150, 150, 29, 29, 29, 18, 18, 18]);
});

test('gaussianKernel(1, 1) is exp(-x^2/2) normalised', () => {
  const e = Math.exp(-0.5);
  const k = gaussianKernel(1, 1);
  const want = [e, 1, e].map((v) => v / (1 + 2 * e));
  k.forEach((v, i) => assert.ok(Math.abs(v - want[i]) < 1e-12));
  assert.equal(gaussianKernel(2).length, 13); // radius ceil(3 sigma) = 6
  assert.throws(() => gaussianKernel(0), /sigma must be/);
});

test('blurRgb with taps [1/4, 1/2, 1/4] spreads an impulse as their outer product', () => {
  const img = rgbOf([0, 0, 0, 0, 255, 0, 0, 0, 0]);
  const out = blurRgb(img, 3, 3, Float64Array.from([0.25, 0.5, 0.25]));
  // corners 255/16 = 15.94 -> 16, edges 255/8 = 31.9 -> 32, centre 255/4 = 63.75 -> 64
  assert.deepEqual(redOf(out), [16, 32, 16, 32, 64, 32, 16, 32, 16]);
});

test('blurRgb replicates the border pixel', () => {
  // x2 = 0.25*0 + 0.5*100 + 0.25*100 (the clamped neighbour) = 75; x1 = 25.
  const out = blurRgb(rgbOf([0, 0, 100]), 3, 1, Float64Array.from([0.25, 0.5, 0.25]));
  assert.deepEqual(redOf(out), [0, 25, 75]);
  const flat = blurRgb(rgbOf([7, 7, 7, 7]), 2, 2, gaussianKernel(3));
  assert.deepEqual(redOf(flat), [7, 7, 7, 7]);
});

test('patchRotateRgb turns each square tile counter-clockwise by the drawn quarter turns', () => {
  const img = rgbOf([1, 2, 3, 4]); // [[1,2],[3,4]]
  assert.deepEqual(redOf(patchRotateRgb(img, 2, 2, 2, fixed(0.1))), [1, 2, 3, 4]); // 0 turns
  assert.deepEqual(redOf(patchRotateRgb(img, 2, 2, 2, fixed(0.3))), [2, 4, 1, 3]); // 90 ccw
  assert.deepEqual(redOf(patchRotateRgb(img, 2, 2, 2, fixed(0.6))), [4, 3, 2, 1]); // 180
  assert.deepEqual(redOf(patchRotateRgb(img, 2, 2, 2, fixed(0.9))), [3, 1, 4, 2]); // 270 ccw
});

test('patchRotateRgb: partial edge tiles turn only 0 or 180 degrees', () => {
  // 3x3 image, 2 px tiles: a 2x2 tile, a 2x1 column, a 1x2 row and a 1x1 corner.
  const img = rgbOf([1, 2, 5, 3, 4, 6, 7, 8, 9]);
  // draw 1 (90): the square tile turns, the partial ones stay.
  assert.deepEqual(redOf(patchRotateRgb(img, 3, 3, 2, fixed(0.3))), [2, 4, 5, 1, 3, 6, 7, 8, 9]);
  // draw 3 (270): square tile turns clockwise, partial tiles turn 180.
  assert.deepEqual(redOf(patchRotateRgb(img, 3, 3, 2, fixed(0.9))), [3, 1, 6, 4, 2, 5, 8, 7, 9]);
});

test('patchRotateRgb moves pixels only within their tile and keeps every value', () => {
  const vals = Array.from({ length: 64 }, (_, i) => i);
  let seed = 1;
  const rng: Rng = { next: () => ((seed = (seed * 16807) % 2147483647) / 2147483647) };
  const out = redOf(patchRotateRgb(rgbOf(vals), 8, 8, 4, rng));
  for (let p = 0; p < 64; p++) {
    const tile = (i: number): number => Math.floor(Math.floor(i / 8) / 4) * 2 + Math.floor((i % 8) / 4);
    assert.equal(tile(out[p]), tile(p));
  }
  assert.deepEqual([...out].sort((a, b) => a - b), vals);
});

test('blendMasked is m * corrupted + (1 - m) * original, m clamped to [0, 1]', () => {
  const out = blendMasked(rgbOf([100, 100, 100, 100]), rgbOf([200, 200, 200, 0]), Float32Array.from([0.25, 1.5, -1, 0.5]));
  assert.deepEqual(redOf(out), [125, 200, 100, 50]);
  assert.throws(() => blendMasked(rgbOf([1]), rgbOf([1]), new Float32Array(2)), /must agree/);
});
