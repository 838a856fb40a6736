import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendHeatmap, jetColor, normalizeByMax, resizeRgbBilinearPil, upsampleBilinear } from '../../src/core/nam';

test('normalizeByMax divides by the max', () => {
  const out = normalizeByMax(new Float32Array([0, 1, 2, 4]));
  assert.deepEqual(Array.from(out), [0, 0.25, 0.5, 1]);
});

test('normalizeByMax of a dead or negative map is all zeros, never NaN', () => {
  assert.deepEqual(Array.from(normalizeByMax(new Float32Array([0, 0, 0]))), [0, 0, 0]);
  assert.deepEqual(Array.from(normalizeByMax(new Float32Array([-1, -3]))), [0, 0]);
  assert.deepEqual(Array.from(normalizeByMax(new Float32Array([]))), []);
});

test('upsampleBilinear 1x2 -> 1x4 follows align_corners=false', () => {
  // Output x maps to source (x + 0.5) / 2 - 0.5 = -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to the last pixel).
  const out = upsampleBilinear(new Float32Array([0, 8]), 1, 2, 1, 4);
  assert.deepEqual(Array.from(out), [0, 2, 6, 8]);
});

test('upsampleBilinear 2x2 -> 4x4 is separable bilinear', () => {
  const a = 0, b = 4, c = 8, d = 16;
  const out = upsampleBilinear(new Float32Array([a, b, c, d]), 2, 2, 4, 4);
  const w = [[1, 0], [0.75, 0.25], [0.25, 0.75], [0, 1]];
  const src = [[a, b], [c, d]];
  for (let y = 0; y < 4; y++) {
    for (let x = 0; x < 4; x++) {
      let want = 0;
      for (let i = 0; i < 2; i++) for (let j = 0; j < 2; j++) want += w[y][i] * w[x][j] * src[i][j];
      assert.ok(Math.abs(out[y * 4 + x] - want) < 1e-6, `(${y},${x}) ${out[y * 4 + x]} != ${want}`);
    }
  }
});

test('upsampleBilinear to the same size is the identity, and downsampling 4 -> 2 averages pairs', () => {
  const m = new Float32Array([1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(upsampleBilinear(m, 2, 3, 2, 3)), Array.from(m));
  // 4 -> 2: source index (d + 0.5) * 2 - 0.5 = 0.5, 2.5.
  assert.deepEqual(Array.from(upsampleBilinear(new Float32Array([0, 2, 4, 6]), 1, 4, 1, 2)), [1, 5]);
});

test('upsampleBilinear rejects a map shorter than h*w', () => {
  assert.throws(() => upsampleBilinear(new Float32Array(3), 2, 2, 4, 4), /expected h\*w = 4/);
});

test('jetColor: low is dark blue, high is dark red, quarter points as computed by hand', () => {
  assert.deepEqual(jetColor(0), [0, 0, 128]);
  assert.deepEqual(jetColor(0.25), [0, 128, 255]);
  assert.deepEqual(jetColor(0.5), [128, 255, 128]);
  assert.deepEqual(jetColor(0.75), [255, 128, 0]);
  assert.deepEqual(jetColor(1), [128, 0, 0]);
  assert.deepEqual(jetColor(7), jetColor(1));
  assert.deepEqual(jetColor(-1), jetColor(0));
  assert.deepEqual(jetColor(Number.NaN), jetColor(0));
});

test('blendHeatmap mixes image and colormap by alpha and leaves the input alone', () => {
  const rgb = new Uint8Array([100, 100, 100, 0, 0, 0]);
  const map = new Float32Array([1, 0]);
  const out = blendHeatmap(rgb, 2, 1, map, 0.5);
  // pixel 0: 0.5*100 + 0.5*[128,0,0]; pixel 1: 0.5*0 + 0.5*[0,0,128].
  assert.deepEqual(Array.from(out), [114, 50, 50, 0, 0, 64]);
  assert.deepEqual(Array.from(rgb), [100, 100, 100, 0, 0, 0]);
  assert.deepEqual(Array.from(blendHeatmap(rgb, 2, 1, map, 0)), Array.from(rgb));
  assert.deepEqual(Array.from(blendHeatmap(rgb, 2, 1, map, 1)), [128, 0, 0, 0, 0, 128]);
});

test('blendHeatmap rejects buffers that do not match the size', () => {
  assert.throws(() => blendHeatmap(new Uint8Array(5), 2, 1, new Float32Array(2), 0.5), /expected width\*height\*3 = 6/);
  assert.throws(() => blendHeatmap(new Uint8Array(6), 2, 1, new Float32Array(1), 0.5), /expected width\*height = 2/);
});

const gray = (vals: number[]): Uint8Array => new Uint8Array(vals.flatMap((v) => [v, v, v]));
const red = (rgb: Uint8Array): number[] => Array.from(rgb.filter((_, i) => i % 3 === 0));

test('resizeRgbBilinearPil upscales 1x2 -> 1x4 like Pillow: edge taps clamp, inner taps 3/4 + 1/4', () => {
  const out = resizeRgbBilinearPil(new Uint8Array([0, 0, 0, 200, 100, 40]), 2, 1, 4, 1);
  assert.deepEqual(Array.from(out), [0, 0, 0, 50, 25, 10, 150, 75, 30, 200, 100, 40]);
});

test('resizeRgbBilinearPil 2x2 -> 4x4 is the horizontal pass then the vertical pass', () => {
  // Rows after the horizontal pass: [0,4,12,16] and [32,36,44,48]; vertical weights (1,0), (3/4,1/4), (1/4,3/4), (0,1).
  const out = resizeRgbBilinearPil(gray([0, 16, 32, 48]), 2, 2, 4, 4);
  assert.deepEqual(red(out), [0, 4, 12, 16, 8, 12, 20, 24, 24, 28, 36, 40, 32, 36, 44, 48]);
});

test('resizeRgbBilinearPil downscale 4 -> 2 widens the triangle: taps 3/7, 3/7, 1/7', () => {
  // Output 0 centres on source 1.0 (taps 0..2), output 1 on 3.0 (taps 1..3, the last pixel past the edge dropped).
  // 70*3/7 + 140/7 = 50 and 70/7 + (140 + 210)*3/7 = 160; the 22-bit weights land just below the .5 roundings.
  assert.deepEqual(red(resizeRgbBilinearPil(gray([0, 70, 140, 210]), 4, 1, 2, 1)), [50, 160]);
});

test('resizeRgbBilinearPil to the same size copies, and rejects short input', () => {
  const src = gray([1, 2, 3, 4, 5, 6]);
  const out = resizeRgbBilinearPil(src, 3, 2, 3, 2);
  assert.deepEqual(Array.from(out), Array.from(src));
  assert.notEqual(out, src);
  assert.throws(() => resizeRgbBilinearPil(new Uint8Array(5), 2, 1, 4, 1), /expected 2x1x3/);
});
