import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { jet, mix, parseColor, toCss, withAlpha } from '../../src/webview/lib/color';

test('parses the colour forms VS Code themes use', () => {
  assert.deepEqual(parseColor('#fff'), { r: 255, g: 255, b: 255, a: 1 });
  assert.deepEqual(parseColor('#1a85ff'), { r: 26, g: 133, b: 255, a: 1 });
  assert.deepEqual(parseColor('#00000080'), { r: 0, g: 0, b: 0, a: 128 / 255 });
  assert.deepEqual(parseColor(' rgba(10, 20, 30, 0.5) '), { r: 10, g: 20, b: 30, a: 0.5 });
  assert.deepEqual(parseColor('rgb(10 20 30 / 50%)'), { r: 10, g: 20, b: 30, a: 0.5 });
  assert.equal(parseColor(''), null);
  assert.equal(parseColor('var(--x)'), null);
});

test('withAlpha keeps the channels and falls back on junk', () => {
  assert.equal(withAlpha('#ff0000', 0.25), 'rgba(255, 0, 0, 0.25)');
  assert.equal(withAlpha('nonsense', 0.25, 'X'), 'X');
});

test('mix interpolates and clamps t', () => {
  const a = { r: 0, g: 0, b: 0, a: 1 };
  const b = { r: 200, g: 100, b: 50, a: 0 };
  assert.deepEqual(mix(a, b, 0.5), { r: 100, g: 50, b: 25, a: 0.5 });
  assert.deepEqual(mix(a, b, 7), b);
  assert.equal(toCss(mix(a, b, -1)), 'rgba(0, 0, 0, 1)');
});

test('jet runs blue to red and stays in range', () => {
  const lo = jet(0);
  const hi = jet(1);
  assert.ok(lo.b > lo.r, 'low activation is blue');
  assert.ok(hi.r > hi.b, 'high activation is red');
  fc.assert(fc.property(fc.double({ noNaN: true }), (t) => {
    const c = jet(t);
    return [c.r, c.g, c.b].every((x) => x >= 0 && x <= 255);
  }));
});
