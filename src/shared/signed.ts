// The one minus sign the product shows: U+2212 (typographic minus, the width of '+', so signed columns line up).
// Every number a person reads in the panel, its charts and the host's messages goes through signed().

/** The minus sign used everywhere in the UI. */
export const MINUS = '\u2212';

/**
 * x with `digits` decimals and a U+2212 minus; `plus` adds '+' to positives. A value that rounds to zero gets no
 * sign ("0.0", never "−0.0"); NaN and infinities give an em dash.
 */
export function signed(x: number, digits = 1, plus = false): string {
  if (!Number.isFinite(x)) return '—';
  const s = Math.abs(x).toFixed(digits);
  if (Number(s) === 0) return s;
  return x < 0 ? `${MINUS}${s}` : plus ? `+${s}` : s;
}
