// IEEE 754 binary16 ("half") conversion for the feature cache.
//
// Precision: 11 significant bits, so a round trip has relative error <= 2^-11 (about 4.9e-4,
// ~3 significant decimal digits) for normal values (|x| in [6.1e-5, 65504]); below that the
// absolute error is <= 2^-25. Spuriosity works on z-scores of pooled features across a class
// and on rankings: a 0.05% perturbation moves a z-score by far less than its sampling noise,
// so halving the cache size costs nothing the method can see. Values beyond the half range
// become +/-Infinity: the cache checks `fitsFloat16` first and stores such batches as float32.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Largest finite float16 value. */
export const FLOAT16_MAX = 65504;

/** Encodes one float32 value as float16 bits, rounding to nearest, ties to even. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0); // Inf or NaN (quiet)
  const e = exp - 127 + 15; // rebias
  if (e >= 0x1f) return sign | 0x7c00; // overflow to infinity
  if (e <= 0) {
    // Subnormal half (or zero): shift the full significand (with implicit 1) into place.
    if (e < -10) return sign; // too small even for the smallest subnormal after rounding
    const m = mant | 0x800000;
    const shift = 14 - e; // 24-bit significand down to the 10-bit subnormal field
    const half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    const round = rem > mid || (rem === mid && (half & 1) === 1) ? 1 : 0;
    return sign | (half + round); // a carry into bit 10 correctly yields the smallest normal
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  const round = rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1) ? 1 : 0;
  return sign | (half + round); // a mantissa carry bumps the exponent, up to infinity: both correct
}

let table: Float32Array | null = null;

/** All 65536 float16 bit patterns decoded to float32: decoding is one table load per value. */
export function float16Table(): Float32Array {
  if (table) return table;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >>> 10) & 0x1f;
    const mant = h & 0x3ff;
    if (exp === 0) t[h] = sign * mant * 2 ** -24;
    else if (exp === 0x1f) t[h] = mant ? NaN : sign * Infinity;
    else t[h] = sign * (1 + mant / 1024) * 2 ** (exp - 15);
  }
  table = t;
  return t;
}

/** Decodes float16 bits to a float32 value. */
export function fromFloat16Bits(bits: number): number {
  return float16Table()[bits & 0xffff];
}

/** Encodes src into out (same length) as float16 bits. */
export function encodeFloat16(src: Float32Array, out: Uint16Array = new Uint16Array(src.length)): Uint16Array {
  for (let i = 0; i < src.length; i++) out[i] = toFloat16Bits(src[i]);
  return out;
}

/** Decodes float16 bits into out (same length), via the lookup table. */
export function decodeFloat16(src: Uint16Array, out: Float32Array = new Float32Array(src.length), outOffset = 0): Float32Array {
  const t = float16Table();
  for (let i = 0; i < src.length; i++) out[outOffset + i] = t[src[i]];
  return out;
}

/** True when every value is finite and within the float16 range (NaN-free), so float16 storage is safe. */
export function fitsFloat16(src: Float32Array): boolean {
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (!(v >= -FLOAT16_MAX && v <= FLOAT16_MAX)) return false;
  }
  return true;
}

/**
 * Rounds values to the nearest float16 in place when they all fit (what the cache will store),
 * so freshly computed features equal the ones a later run reads back: results do not depend
 * on whether the cache was warm. Returns whether it rounded.
 */
export function roundThroughFloat16(values: Float32Array): boolean {
  if (!fitsFloat16(values)) return false;
  const t = float16Table();
  for (let i = 0; i < values.length; i++) values[i] = t[toFloat16Bits(values[i])];
  return true;
}
