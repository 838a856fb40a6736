import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendHeatmap, jetColor, normalizeByMax, upsampleBilinear } from '../../src/core/nam';

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
