/** A seeded pseudo-random source: next() returns a float in [0, 1). */
export interface Rng {
  next(): number;
}

/** mulberry32: a tiny 32-bit PRNG, deterministic for a seed and good enough for resampling and shuffling. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return {
    next(): number {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}

/** Uniform integer in [0, n). */
export function randInt(rng: Rng, n: number): number {
  return Math.floor(rng.next() * n);
}

/** Fisher-Yates shuffle in place; returns the same array. */
export function shuffleInPlace<T extends { length: number; [i: number]: number }>(rng: Rng, a: T): T {
  for (let i = a.length - 1; i > 0; i--) {
    const j = randInt(rng, i + 1);
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}

/** k distinct items drawn uniformly from `items` (all of them, shuffled, when k >= length). */
export function sampleWithoutReplacement(rng: Rng, items: ArrayLike<number>, k: number): number[] {
  const copy = Array.from(items);
  const m = Math.min(k, copy.length);
  // Partial Fisher-Yates: only the first m positions need to be settled.
  for (let i = 0; i < m; i++) {
    const j = i + randInt(rng, copy.length - i);
    const t = copy[i];
    copy[i] = copy[j];
    copy[j] = t;
  }
  return copy.slice(0, m);
}
