/** Quantile q in [0, 1] of the values by linear interpolation between order statistics (numpy's default); NaN when empty. */
export function quantile(values: ArrayLike<number>, q: number): number {
  // Typed-array sort is numeric and puts NaN last; NaNs are then left out.
  const all = Float64Array.from(values).sort();
  let len = all.length;
  while (len > 0 && Number.isNaN(all[len - 1])) len--;
  if (len === 0) return NaN;
  const s = all.subarray(0, len);
  const h = (s.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return s[lo] + (h - lo) * (s[hi] - s[lo]);
}

/** Arithmetic mean; NaN when empty. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/** Pearson correlation of two equal-length series; NaN when either is constant or they are shorter than 2. */
export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`pearson needs equal lengths, got ${a.length} and ${b.length}`);
  const n = a.length;
  if (n < 2) return NaN;
  const ma = mean(a);
  const mb = mean(b);
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}
