// Colour helpers for theming: charts take colours from --vscode-* variables at draw time, so
// they need parsing into channels to derive translucent fills and mixes.

/** An RGBA colour with channels 0..255 and alpha 0..1. */
export interface Rgba {
  r: number;
  g: number;
  b: number;
  a: number;
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Parses #rgb, #rgba, #rrggbb, #rrggbbaa and rgb()/rgba(); null for anything else (e.g. an unset variable). */
export function parseColor(input: string): Rgba | null {
  const s = input.trim().toLowerCase();
  let m = /^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/.exec(s);
  if (m) {
    let h = m[1];
    if (h.length <= 4) h = [...h].map((c) => c + c).join('');
    const n = (i: number): number => parseInt(h.slice(i, i + 2), 16);
    return { r: n(0), g: n(2), b: n(4), a: h.length === 8 ? n(6) / 255 : 1 };
  }
  m = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)(?:[\s,/]+([\d.]+%?))?\s*\)$/.exec(s);
  if (m) {
    const a = m[4] === undefined ? 1 : m[4].endsWith('%') ? parseFloat(m[4]) / 100 : parseFloat(m[4]);
    return { r: clamp(+m[1], 0, 255), g: clamp(+m[2], 0, 255), b: clamp(+m[3], 0, 255), a: clamp(a, 0, 1) };
  }
  return null;
}

/** CSS rgba() text of a colour. */
export function toCss(c: Rgba): string {
  return `rgba(${Math.round(c.r)}, ${Math.round(c.g)}, ${Math.round(c.b)}, ${+c.a.toFixed(3)})`;
}

/** Linear mix of two colours, t=0 gives a, t=1 gives b. */
export function mix(a: Rgba, b: Rgba, t: number): Rgba {
  const u = clamp(t, 0, 1);
  return { r: a.r + (b.r - a.r) * u, g: a.g + (b.g - a.g) * u, b: a.b + (b.b - a.b) * u, a: a.a + (b.a - a.a) * u };
}

/** The same colour with another alpha; CSS text, or the fallback when the input does not parse. */
export function withAlpha(css: string, alpha: number, fallback = 'rgba(128, 128, 128, 0.5)'): string {
  const c = parseColor(css);
  return c ? toCss({ ...c, a: clamp(alpha, 0, 1) }) : fallback;
}

/** Jet-style colormap (blue, cyan, yellow, red) used by the heatmap legend: high activation is red. */
export function jet(t: number): Rgba {
  const x = clamp(t, 0, 1);
  const ch = (c: number): number => 255 * clamp(1.5 - Math.abs(4 * x - c), 0, 1);
  return { r: ch(3), g: ch(2), b: ch(1), a: 1 };
}
