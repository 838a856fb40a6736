import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blendColormap } from '../../src/engine/render/blend';
import { colormapRgb } from '../../src/shared/colormap';

test('alpha 1 gives the colormap alone (the gallery layer), alpha 0 the image, 0.5 the rounded mean', () => {
  const rgb = Uint8Array.from([200, 100, 50, 10, 20, 30]);
  const unit = Float32Array.from([0, 1]);
  assert.deepEqual([...blendColormap(rgb, 2, 1, unit, 1, 'inferno')], [...colormapRgb('inferno', 0), ...colormapRgb('inferno', 1)]);
  assert.deepEqual([...blendColormap(rgb, 2, 1, unit, 0, 'inferno')], [...rgb]);
  const hi = colormapRgb('viridis', 1);
  const half = blendColormap(rgb, 2, 1, unit, 0.5, 'viridis');
  assert.deepEqual([...half.subarray(3)], [0, 1, 2].map((c) => Math.round(0.5 * rgb[3 + c] + 0.5 * hi[c])));
});

test('out-of-range and NaN map values clamp; short buffers are refused with the sizes', () => {
  const rgb = new Uint8Array(6);
  assert.deepEqual([...blendColormap(rgb, 2, 1, Float32Array.from([-2, Number.NaN]), 1, 'inferno')], [...colormapRgb('inferno', 0), ...colormapRgb('inferno', 0)]);
  assert.throws(() => blendColormap(new Uint8Array(3), 2, 1, new Float32Array(2), 1, 'inferno'), /rgb has 3 bytes, expected width\*height\*3 = 6/);
  assert.throws(() => blendColormap(rgb, 2, 1, new Float32Array(1), 1, 'inferno'), /map has 1 values/);
});
