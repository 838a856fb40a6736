import { test } from 'node:test';
import assert from 'node:assert/strict';
import { coreActivation, coreCropBox, growSquareClamp, thresholdBox, topFractionMask } from '../../src/core/cropBox';
import { mat } from './helpers';

/** A width x height map of `base` with the given [x, y, value] pixels set. */
function mapWith(width: number, height: number, base: number, pixels: Array<[number, number, number]>): Float32Array {
  const m = new Float32Array(width * height).fill(base);
  for (const [x, y, v] of pixels) m[y * width + x] = v;
  return m;
}

test('thresholdBox keeps the pixels at or above 0.9 of the max and returns their bounding edges', () => {
  // 0.9 survives (>= 0.9), 0.89 does not; the survivors span columns 2..5 and rows 1..3.
  const m = mapWith(8, 6, 0.5, [[3, 2, 1], [2, 1, 0.9], [5, 3, 0.95], [7, 5, 0.89]]);
  assert.deepEqual(thresholdBox(m, 8, 6), { x0: 2, y0: 1, x1: 6, y1: 4 });
});

test('thresholdBox renormalises by the map maximum: a mean map peaking at 0.5 keeps values >= 0.45', () => {
  const m = mapWith(5, 5, 0.1, [[1, 1, 0.5], [3, 1, 0.45], [3, 3, 0.44]]);
  assert.deepEqual(thresholdBox(m, 5, 5), { x0: 1, y0: 1, x1: 4, y1: 2 });
});

test('thresholdBox is null without core activation (all zero, all negative, NaN)', () => {
  assert.equal(thresholdBox(new Float32Array(4), 2, 2), null);
  assert.equal(thresholdBox(new Float32Array([-1, -2, -3, -4]), 2, 2), null);
  assert.equal(thresholdBox(new Float32Array([NaN, NaN, NaN, NaN]), 2, 2), null);
  // a NaN pixel never survives, the rest still count
  assert.deepEqual(thresholdBox(new Float32Array([NaN, 1, 0, 0]), 2, 2), { x0: 1, y0: 0, x1: 2, y1: 1 });
});

test('thresholdBox rejects a map of the wrong size and a threshold outside (0, 1]', () => {
  assert.throws(() => thresholdBox(new Float32Array(5), 2, 2), /5 values, expected 2x2 = 4/);
  assert.throws(() => thresholdBox(new Float32Array(4), 2, 2, 0), /threshold must be a number in \(0, 1\]/);
  assert.throws(() => thresholdBox(new Float32Array(4), 2, 2, 1.5), /threshold/);
});

test('growSquareClamp grows 20% in width and height, squares on the longer side and centres it', () => {
  // 10 x 5 box at (20, 30): grown to 12 x 6, squared to 12; centre (25, 32.5) -> x 19, y round(26.5) = 27.
  const r = growSquareClamp({ x0: 20, y0: 30, x1: 30, y1: 35 }, 100, 100);
  assert.deepEqual(r, { box: { x: 19, y: 27, width: 12, height: 12 }, squareClipped: false });
});

test('growSquareClamp on a tall box extends the width', () => {
  // 4 x 15 at (40, 10): grown 4.8 x 18, side 18; centre (42, 17.5) -> x 33, y round(8.5) = 9.
  const r = growSquareClamp({ x0: 40, y0: 10, x1: 44, y1: 25 }, 64, 64);
  assert.deepEqual(r.box, { x: 33, y: 9, width: 18, height: 18 });
});

test('growSquareClamp shifts a square crossing a border back inside without shrinking it', () => {
  // 10 x 10 in the top-left corner: side 12 centred at (5, 5) starts at -1 -> shifted to 0.
  assert.deepEqual(growSquareClamp({ x0: 0, y0: 0, x1: 10, y1: 10 }, 50, 40).box, { x: 0, y: 0, width: 12, height: 12 });
  // bottom-right: centre (45, 35), side 12 -> start (39, 29), past 50 - 12 = 38 and 40 - 12 = 28 -> (38, 28).
  assert.deepEqual(growSquareClamp({ x0: 40, y0: 30, x1: 50, y1: 40 }, 50, 40).box, { x: 38, y: 28, width: 12, height: 12 });
});

test('growSquareClamp spans an axis too short for the square and says the crop is not square', () => {
  // 20 x 6 in a 30 x 10 image: side 24 fits the width (centre 15 -> x 3) but not the height (10).
  const r = growSquareClamp({ x0: 5, y0: 2, x1: 25, y1: 8 }, 30, 10);
  assert.deepEqual(r, { box: { x: 3, y: 0, width: 24, height: 10 }, squareClipped: true });
  // the whole image when neither axis holds it
  assert.deepEqual(growSquareClamp({ x0: 0, y0: 0, x1: 9, y1: 9 }, 10, 10).box, { x: 0, y: 0, width: 10, height: 10 });
});

test('growSquareClamp works on real-valued edges (boxes mapped back to original pixels)', () => {
  // 7.5 x 3.75 -> side round(9) = 9; centre (6.25, 4.375) -> x round(1.75) = 2, y round(-0.125) = 0.
  const r = growSquareClamp({ x0: 2.5, y0: 2.5, x1: 10, y1: 6.25 }, 40, 30);
  assert.deepEqual(r.box, { x: 2, y: 0, width: 9, height: 9 });
});

test('growSquareClamp rejects empty boxes, bad sizes and negative growth', () => {
  assert.throws(() => growSquareClamp({ x0: 3, y0: 0, x1: 3, y1: 4 }, 10, 10), /x1 > x0/);
  assert.throws(() => growSquareClamp({ x0: 0, y0: 0, x1: 3, y1: 4 }, 0, 10), /positive integers/);
  assert.throws(() => growSquareClamp({ x0: 0, y0: 0, x1: 3, y1: 4 }, 10, 10, -0.1), /growth/);
});

test('coreCropBox: threshold, growth, squaring and clamping in one pass', () => {
  // survivors: columns 1..5, rows 2..4 -> 5 x 3 box; grown 6 x 3.6 -> side 6; centre (3.5, 3.5) -> start round(0.5) = 1 both.
  const m = mapWith(12, 10, 0, [[1, 2, 1], [5, 4, 0.95], [3, 3, 0.92], [9, 9, 0.5]]);
  assert.deepEqual(coreCropBox(m, 12, 10), { box: { x: 1, y: 1, width: 6, height: 6 }, squareClipped: false });
  assert.equal(coreCropBox(new Float32Array(120), 12, 10), null);
});

test('coreActivation averages the core features z-scored over the given images', () => {
  // feature 0 over rows 0..3: 1, 2, 3, 4 (mean 2.5, sd sqrt(1.25)); feature 1 constant (sd 0: adds 0).
  const f = mat([[1, 7], [2, 7], [3, 7], [4, 7], [100, 0]]);
  const sd = Math.sqrt(1.25);
  const out = coreActivation(f, [0, 1, 2, 3], [0, 1]);
  const want = [1, 2, 3, 4].map((v) => (v - 2.5) / sd / 2);
  want.forEach((w, i) => assert.ok(Math.abs(out[i] - w) < 1e-6, `${out[i]} vs ${w}`));
  assert.throws(() => coreActivation(f, [0], []), /at least one core feature/);
  assert.throws(() => coreActivation(f, [0], [2]), /out of range 0\.\.1/);
});

test('topFractionMask marks the top ceil(20%) and ties with the last of them; NaN never', () => {
  // 10 finite scores -> top 2: 9 and 8.
  const s = [1, 9, 3, 8, 2, 7, 4, 6, 5, 0];
  const r = topFractionMask(s);
  assert.deepEqual(Array.from(r.reliable), [0, 1, 0, 1, 0, 0, 0, 0, 0, 0]);
  assert.equal(r.cutoff, 8);
  // 15 scores: 20% is exactly 3 (not 4 from 0.2 * 15 = 3.0000000000000004)
  assert.equal(topFractionMask(Array.from({ length: 15 }, (_, i) => i)).reliable.reduce((a, b) => a + b, 0), 3);
  // ties with the cutoff are all in; NaN is out and does not count in n (4 finite -> ceil(0.8) = 1)
  assert.deepEqual(Array.from(topFractionMask([5, NaN, 5, 1, 2]).reliable), [1, 0, 1, 0, 0]);
  assert.deepEqual(topFractionMask([]), { reliable: new Uint8Array(0), cutoff: null });
  assert.throws(() => topFractionMask([1], 1.5), /reliable fraction/);
});
