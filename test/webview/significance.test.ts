import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSignificantNegative, notSignificantText, significanceOf } from '../../src/webview/lib/significance';

const row = (value: number, lo: number, hi: number, extra: object = {}) => ({ gap: { value, lo, hi, k: 10 }, valImages: 50, ...extra });

test('only an interval that excludes 0 is a finding (the issue: -10 points with [-30, 0] is not negative)', () => {
  assert.equal(significanceOf(row(-0.1, -0.3, 0)), 'not-significant');
  assert.equal(isSignificantNegative(row(-0.1, -0.3, 0)), false);
  assert.equal(significanceOf(row(-0.2, -0.35, -0.05)), 'negative');
  assert.equal(isSignificantNegative(row(-0.2, -0.35, -0.05)), true);
  assert.equal(significanceOf(row(0.3, 0.1, 0.5)), 'positive');
  assert.equal(significanceOf(row(-0.1, -0.1, -0.1)), null, 'a point estimate without an interval is no verdict');
  assert.equal(significanceOf({ gap: null }), null);
  assert.equal(significanceOf({ ...row(-0.1, -0.3, 0), significance: 'negative' }), 'negative', "the host's verdict wins");
});

test('a non-significant gap says how many validation images would settle it', () => {
  assert.equal(notSignificantText(row(0.05, -0.1, 0.2)),
    'Not significant: its 95% interval includes 0, so this gap may be noise. About 451 validation images (k = 91 at each end, now 50 and k = 10) would settle it if the gap stayed the same.');
  // the weak class, -10 with [-30, 0]: its half-width (15 points) decides, not its 10-point side toward 0
  assert.match(notSignificantText(row(-0.1, -0.3, 0)), /About 113 validation images \(k = 23 at each end/);
  assert.match(notSignificantText(row(0.05, -0.1, 0.2, { valImagesNeeded: 1200 })), /About 1,200 validation images \(k = 240/);
  assert.equal(notSignificantText(row(0, -0.1, 0.1)), 'Not significant: its 95% interval includes 0, so this gap may be noise.');
});
