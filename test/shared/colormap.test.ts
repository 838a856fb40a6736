import { test } from 'node:test';
import assert from 'node:assert/strict';
import { colormapGradient, colormapLut, colormapRgb } from '../../src/shared/colormap';

// matplotlib's published table values at 0, 0.5 (entry 128 of 256) and 1, as 0-255
const ANCHORS = {
  inferno: [[0, [0.001462, 0.000466, 0.013866]], [128 / 255, [0.735683, 0.215906, 0.330245]], [1, [0.988362, 0.998364, 0.644924]]],
  viridis: [[0, [0.267004, 0.004874, 0.329415]], [128 / 255, [0.128729, 0.563265, 0.551229]], [1, [0.993248, 0.906157, 0.143936]]],
} as const;

test('the polynomial colormaps match matplotlib\'s tables within a few 0-255 steps', () => {
  for (const [name, points] of Object.entries(ANCHORS) as [keyof typeof ANCHORS, typeof ANCHORS.inferno][]) {
    for (const [v, rgb] of points) {
      const got = colormapRgb(name, v);
      rgb.forEach((x, ch) => assert.ok(Math.abs(got[ch] - x * 255) <= 4, `${name}(${v.toFixed(3)})[${ch}] = ${got[ch]}, table ${Math.round(x * 255)}`));
    }
  }
});

test('inferno gets lighter from low to high (perceptually ordered, unlike jet)', () => {
  const lum = (v: number) => { const [r, g, b] = colormapRgb('inferno', v); return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  for (let i = 1; i <= 20; i++) assert.ok(lum(i / 20) > lum((i - 1) / 20), `luminance rises at ${i / 20}`);
});

test('inputs outside [0, 1] and NaN clamp; the LUT and the legend gradient use the same colours', () => {
  assert.deepEqual(colormapRgb('inferno', -3), colormapRgb('inferno', 0));
  assert.deepEqual(colormapRgb('inferno', 7), colormapRgb('inferno', 1));
  assert.deepEqual(colormapRgb('viridis', Number.NaN), colormapRgb('viridis', 0));
  const lut = colormapLut('inferno', 5);
  assert.deepEqual([...lut.subarray(12, 15)], colormapRgb('inferno', 1));
  const [r, g, b] = colormapRgb('inferno', 1);
  assert.ok(colormapGradient('inferno').endsWith(`rgb(${r}, ${g}, ${b}) 100%)`));
});
