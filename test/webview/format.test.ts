import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatCount, formatInterval, formatNumber, formatPercent, formatPoints, formatZ, progressText } from '../../src/webview/lib/format';
import { signed } from '../../src/shared/signed';

test('percent and points use the 0..1 scale and a true minus sign', () => {
  assert.equal(formatPercent(0.875), '87.5%');
  assert.equal(formatPercent(null), '—');
  assert.equal(formatPercent(Number.NaN), '—');
  assert.equal(formatPoints(0.123), '+12.3');
  assert.equal(formatPoints(-0.04), '−4.0');
  assert.equal(formatPoints(0.00001), '0.0', 'no sign on a value that rounds to zero');
  assert.equal(formatPoints(-0.00001), '0.0');
});

test('an interval shows the value and both bounds in points', () => {
  assert.equal(formatInterval({ value: 0.12, lo: -0.02, hi: 0.25 }), '+12.0 pts [−2.0, +25.0]');
  assert.equal(formatInterval(null), '—');
});

test('counts, z-scores and progress text', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(999), '999');
  assert.equal(formatZ(-1.234), '−1.23');
  assert.equal(formatZ(0.5), '+0.50');
  assert.equal(formatZ(null), '—');
  assert.equal(progressText(3, 10), '3 of 10 classes labeled');
  assert.equal(progressText(0, 1), '0 of 1 class labeled');
});

test('one minus sign everywhere: shared signed() gives U+2212, never a hyphen-minus or "−0.0"', () => {
  assert.equal(signed(-1.25, 2), '\u22121.25');
  assert.equal(signed(3, 0, true), '+3');
  assert.equal(signed(3, 0), '3');
  assert.equal(signed(-0.0001, 2), '0.00');
  assert.equal(signed(Number.NaN), '—');
  assert.equal(formatNumber(-0.123, 3), '\u22120.123');
  assert.equal(formatNumber(null), '—');
  for (const s of [formatPoints(-0.5), formatZ(-2), formatInterval({ value: -0.1, lo: -0.3, hi: -0.01 }), formatNumber(-4)]) {
    assert.ok(!s.includes('-'), `${s} has no hyphen-minus`);
  }
});
