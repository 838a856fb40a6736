// Perceptually uniform colormaps for heatmaps: the engine renders NAM overlays through them and the panel draws
// their legend with the same numbers. Polynomial fits (degree 6, Horner form) of matplotlib's inferno and viridis,
// CC0 (Matt Zucker's "fitting polynomials to matplotlib colormaps"); within about 1/255 of the published tables.
// Jet, the reference code's map, is not offered by default: its lightness is not monotonic, so mid values look hot.

/** Colormaps the heatmaps can use; inferno is the default (dark = low, light yellow = high). */
export type Colormap = 'inferno' | 'viridis';
/** All colormaps, default first. */
export const COLORMAPS: readonly Colormap[] = ['inferno', 'viridis'];

type Poly = readonly [number, number, number][];

const COEFFS: Record<Colormap, Poly> = {
  inferno: [
    [0.0002189403691192265, 0.001651004631001012, -0.01948089843709184],
    [0.1065134194856116, 0.5639564367884091, 3.932712388889277],
    [11.60249308247187, -3.972853965665698, -15.9423941062914],
    [-41.70399613139459, 17.43639888205313, 44.35414519872813],
    [77.162935699427, -33.40235894210092, -81.80730925738993],
    [-71.31942824499214, 32.62606426397723, 73.20951985803202],
    [25.13112622477341, -12.24266895238567, -23.07032500287172],
  ],
  viridis: [
    [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
    [0.1050930431085774, 1.404613529898575, 1.384590162594685],
    [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
    [-4.634230498983486, -5.799100973351585, -19.33244095627987],
    [6.228269936347081, 14.17993336680509, 56.69055260068105],
    [4.776384997670288, -13.74514537774601, -65.35303263337234],
    [-5.435455855934631, 4.645852612178535, 26.3124352495832],
  ],
};

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** The colour of v in [0, 1] (clamped; NaN is 0) as 0-255 RGB. */
export function colormapRgb(map: Colormap, v: number): [number, number, number] {
  const t = Number.isNaN(v) ? 0 : clamp01(v);
  const c = COEFFS[map];
  const out: [number, number, number] = [0, 0, 0];
  for (let ch = 0; ch < 3; ch++) {
    let acc = c[6][ch];
    for (let d = 5; d >= 0; d--) acc = c[d][ch] + t * acc;
    out[ch] = Math.round(clamp01(acc) * 255);
  }
  return out;
}

/** A lookup table of `levels` colours (RGB triplets, 0-255) from v = 0 to v = 1. */
export function colormapLut(map: Colormap, levels = 1024): Uint8Array {
  const lut = new Uint8Array(levels * 3);
  for (let i = 0; i < levels; i++) lut.set(colormapRgb(map, i / (levels - 1)), i * 3);
  return lut;
}

/** A CSS linear-gradient of the colormap from left (low) to right (high), for legends. */
export function colormapGradient(map: Colormap, stops = 9): string {
  const parts = Array.from({ length: stops }, (_, i) => {
    const [r, g, b] = colormapRgb(map, i / (stops - 1));
    return `rgb(${r}, ${g}, ${b}) ${Math.round((i / (stops - 1)) * 100)}%`;
  });
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
