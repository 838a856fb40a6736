// Neural activation maps (paper-notes "Vocabulary"): one channel of the last spatial
// feature map, divided by its per-image max, upsampled bilinearly to the input size,
// drawn through a jet colormap (high = red) blended over the image the model saw.

/** Divides a map by its maximum; an all-non-positive (or non-finite) max gives all zeros instead of NaN/Infinity. */
export function normalizeByMax(map: Float32Array): Float32Array {
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) if (map[i] > max) max = map[i];
  const out = new Float32Array(map.length);
  // A dead unit (max 0 after ReLU) has no location to show: an empty map, not 0/0.
  if (!(max > 0) || !Number.isFinite(max)) return out;
  const inv = 1 / max;
  for (let i = 0; i < map.length; i++) out[i] = map[i] * inv;
  return out;
}

/** One axis of torch's align_corners=false bilinear sampling: for each output index, the two source indices and the weight of the second. */
function axisWeights(inSize: number, outSize: number): { i0: Int32Array; i1: Int32Array; t: Float64Array } {
  const i0 = new Int32Array(outSize);
  const i1 = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let d = 0; d < outSize; d++) {
    // Same as ATen's area_pixel_compute_source_index: negative sources clamp to 0.
    const src = Math.max(0, (d + 0.5) * scale - 0.5);
    const lo = Math.min(Math.floor(src), inSize - 1);
    i0[d] = lo;
    i1[d] = lo < inSize - 1 ? lo + 1 : lo;
    t[d] = src - lo;
  }
  return { i0, i1, t };
}

/** Bilinear resize of an h x w row-major map to H x W with torch F.interpolate(mode='bilinear', align_corners=False) semantics. */
export function upsampleBilinear(map: Float32Array, h: number, w: number, H: number, W: number): Float32Array {
  if (map.length < h * w) throw new RangeError(`upsampleBilinear: map has ${map.length} values, expected h*w = ${h * w}`);
  if (h < 1 || w < 1 || H < 1 || W < 1) throw new RangeError(`upsampleBilinear: sizes must be >= 1 (got ${h}x${w} -> ${H}x${W})`);
  const ys = axisWeights(h, H);
  const xs = axisWeights(w, W);
  const out = new Float32Array(H * W);
  for (let y = 0; y < H; y++) {
    const r0 = ys.i0[y] * w;
    const r1 = ys.i1[y] * w;
    const ty = ys.t[y];
    for (let x = 0; x < W; x++) {
      const c0 = xs.i0[x];
      const c1 = xs.i1[x];
      const tx = xs.t[x];
      const top = map[r0 + c0] * (1 - tx) + map[r0 + c1] * tx;
      const bottom = map[r1 + c0] * (1 - tx) + map[r1 + c1] * tx;
      out[y * W + x] = top * (1 - ty) + bottom * ty;
    }
  }
  return out;
}

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** The classic jet colormap as 0-255 RGB: 0 is dark blue, 0.5 green-ish, 1 dark red; inputs outside [0, 1] (or NaN) are clamped. */
export function jetColor(v: number): [number, number, number] {
  const x = Number.isNaN(v) ? 0 : clamp01(v);
  const r = clamp01(1.5 - Math.abs(4 * x - 3));
  const g = clamp01(1.5 - Math.abs(4 * x - 2));
  const b = clamp01(1.5 - Math.abs(4 * x - 1));
  return [Math.round(r * 255), Math.round(g * 255), Math.round(b * 255)];
}

/** Blends jet(unitMap) over an HWC RGB image: out = (1 - alpha) * rgb + alpha * jet, rounded; returns a new buffer. */
export function blendHeatmap(rgb: Uint8Array, width: number, height: number, unitMap: Float32Array, alpha: number): Uint8Array {
  const n = width * height;
  if (rgb.length < n * 3) throw new RangeError(`blendHeatmap: rgb has ${rgb.length} bytes, expected width*height*3 = ${n * 3}`);
  if (unitMap.length < n) throw new RangeError(`blendHeatmap: map has ${unitMap.length} values, expected width*height = ${n}`);
  const a = clamp01(alpha);
  // 1024 levels are finer than the 8-bit output can show, and spare a jet() call per pixel.
  const levels = 1024;
  const lut = new Uint8Array(levels * 3);
  for (let i = 0; i < levels; i++) lut.set(jetColor(i / (levels - 1)), i * 3);
  const out = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const v = unitMap[p];
    const k = (Number.isNaN(v) ? 0 : Math.round(clamp01(v) * (levels - 1))) * 3;
    for (let c = 0; c < 3; c++) out[p * 3 + c] = Math.round((1 - a) * rgb[p * 3 + c] + a * lut[k + c]);
  }
  return out;
}
