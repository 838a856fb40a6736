// Seeded randomness for the demo generator. Math.random is never used: the same seed must give
// byte-identical images on every run and machine.

/** Mixes integers into one 32-bit seed (FNV-1a over their 32-bit words), so every image gets its own stream. */
export function hashSeed(...parts) {
  let h = 0x811c9dc5;
  for (const p of parts) {
    let v = typeof p === 'string' ? stringHash(p) : p >>> 0;
    for (let k = 0; k < 4; k++) {
      h ^= v & 0xff;
      h = Math.imul(h, 0x01000193) >>> 0;
      v >>>= 8;
    }
  }
  return h >>> 0;
}

function stringHash(s) {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** mulberry32: a small, fast PRNG with a 32-bit state; returns floats in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return function next() {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform float in [lo, hi). */
export function uniform(rand, lo, hi) {
  return lo + (hi - lo) * rand();
}

/** A uniform integer in [lo, hi] inclusive. */
export function randInt(rand, lo, hi) {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Fisher-Yates shuffle in place, driven by rand. */
export function shuffle(rand, arr) {
  for (let i = arr.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = arr[i];
    arr[i] = arr[j];
    arr[j] = t;
  }
  return arr;
}
