import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeFloat16, encodeFloat16, fitsFloat16, fromFloat16Bits, toFloat16Bits, FLOAT16_MAX } from '../../src/engine/cache/float16';

test('float16 round trip: relative error <= 2^-11 over the normal range, absolute <= 2^-25 below it', () => {
  fc.assert(
    fc.property(fc.float({ min: -FLOAT16_MAX, max: FLOAT16_MAX, noNaN: true }), (x) => {
      const y = fromFloat16Bits(toFloat16Bits(x));
      const err = Math.abs(y - x);
      if (Math.abs(x) >= 2 ** -14) assert.ok(err <= Math.abs(x) * 2 ** -11, `${x} -> ${y}`);
      else assert.ok(err <= 2 ** -25, `${x} -> ${y}`);
    }),
    { numRuns: 20000 },
  );
});

test('float16 encoding is exact on every representable value and idempotent', () => {
  for (let h = 0; h < 65536; h++) {
    const v = fromFloat16Bits(h);
    if (Number.isNaN(v)) continue;
    assert.equal(toFloat16Bits(v), h, `bits ${h.toString(16)}`);
  }
});

test('float16 rounds ties to even and overflows to infinity', () => {
  // 1 + 2^-11 is halfway between 1 and 1 + 2^-10: ties go to the even mantissa (1).
  assert.equal(fromFloat16Bits(toFloat16Bits(1 + 2 ** -11)), 1);
  // 1 + 3 * 2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even).
  assert.equal(fromFloat16Bits(toFloat16Bits(1 + 3 * 2 ** -11)), 1 + 2 ** -9);
  assert.equal(fromFloat16Bits(toFloat16Bits(1 + 2 ** -11 + 2 ** -20)), 1 + 2 ** -10);
  assert.equal(fromFloat16Bits(toFloat16Bits(65519)), 65504);
  assert.equal(fromFloat16Bits(toFloat16Bits(65520)), Infinity);
  assert.equal(fromFloat16Bits(toFloat16Bits(-1e9)), -Infinity);
  assert.ok(Number.isNaN(fromFloat16Bits(toFloat16Bits(NaN))));
  // Smallest subnormal 2^-24; half of it is a tie that rounds to zero (even).
  assert.equal(fromFloat16Bits(toFloat16Bits(2 ** -24)), 2 ** -24);
  assert.equal(fromFloat16Bits(toFloat16Bits(2 ** -25)), 0);
  assert.equal(fromFloat16Bits(toFloat16Bits(2 ** -25 + 2 ** -30)), 2 ** -24);
  assert.equal(Object.is(fromFloat16Bits(toFloat16Bits(-0)), -0), true);
});

test('array encode/decode agree with the scalar functions; fitsFloat16 rejects out-of-range and NaN', () => {
  fc.assert(
    fc.property(fc.float32Array({ minLength: 1, maxLength: 64, noDefaultInfinity: true, noNaN: true, min: -1000, max: 1000 }), (a) => {
      const back = decodeFloat16(encodeFloat16(a));
      a.forEach((x, i) => assert.equal(back[i], fromFloat16Bits(toFloat16Bits(x))));
    }),
  );
  assert.equal(fitsFloat16(new Float32Array([0, 65504, -65504])), true);
  assert.equal(fitsFloat16(new Float32Array([0, 70000])), false);
  assert.equal(fitsFloat16(new Float32Array([NaN])), false);
});
