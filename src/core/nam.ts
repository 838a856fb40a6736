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

/** PIL's fixed-point bilinear taps for one axis: first source index, tap count and 22-bit integer weights per output index. */
function pilTaps(inSize: number, outSize: number): { first: Int32Array; count: Int32Array; k: Int32Array; width: number } {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = filterscale;
  const width = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const k = new Int32Array(outSize * width);
  const w = new Float64Array(width);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero: Math.trunc, not floor.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) / filterscale);
      w[x] = t < 1 ? 1 - t : 0;
      total += w[x];
    }
    first[xx] = xmin;
    count[xx] = xmax;
    for (let x = 0; x < xmax; x++) {
      const v = total !== 0 ? w[x] / total : 0;
      k[xx * width + x] = Math.trunc(v < 0 ? -0.5 + v * (1 << 22) : 0.5 + v * (1 << 22));
    }
  }
  return { first, count, k, width };
}

const clip8 = (ss: number): number => {
  const v = ss >> 22;
  return v < 0 ? 0 : v > 255 ? 255 : v;
};

/**
 * Bilinear resize of HWC RGB bytes exactly as Pillow's Image.resize(BILINEAR) computes it
 * (22-bit fixed-point taps, horizontal pass rounded to 8 bits, then vertical), which is what
 * torchvision's Resize does to PIL images. Used for upscaling, where libvips' bilinear
 * samples on a different grid; exact for downscaling too, but slower than libvips there.
 */
export function resizeRgbBilinearPil(rgb: Uint8Array, width: number, height: number, outW: number, outH: number): Uint8Array {
  if (rgb.length < width * height * 3) throw new RangeError(`resizeRgbBilinearPil: rgb has ${rgb.length} bytes, expected ${width}x${height}x3`);
  if (!(width >= 1 && height >= 1 && outW >= 1 && outH >= 1)) throw new RangeError(`resizeRgbBilinearPil: sizes must be >= 1 (got ${width}x${height} -> ${outW}x${outH})`);
  let src = rgb;
  let w = width;
  if (outW !== width) {
    const t = pilTaps(width, outW);
    const tmp = new Uint8Array(outW * height * 3);
    for (let y = 0; y < height; y++) {
      const row = y * width * 3;
      for (let xx = 0; xx < outW; xx++) {
        let s0 = 1 << 21, s1 = 1 << 21, s2 = 1 << 21;
        const base = xx * t.width;
        for (let x = 0; x < t.count[xx]; x++) {
          const kk = t.k[base + x];
          const p = row + (t.first[xx] + x) * 3;
          s0 += rgb[p] * kk; s1 += rgb[p + 1] * kk; s2 += rgb[p + 2] * kk;
        }
        const o = (y * outW + xx) * 3;
        tmp[o] = clip8(s0); tmp[o + 1] = clip8(s1); tmp[o + 2] = clip8(s2);
      }
    }
    src = tmp;
    w = outW;
  }
  if (outH === height) return src === rgb ? rgb.slice(0, width * height * 3) : src;
  const t = pilTaps(height, outH);
  const out = new Uint8Array(w * outH * 3);
  for (let yy = 0; yy < outH; yy++) {
    const base = yy * t.width;
    for (let x = 0; x < w; x++) {
      let s0 = 1 << 21, s1 = 1 << 21, s2 = 1 << 21;
      for (let y = 0; y < t.count[yy]; y++) {
        const kk = t.k[base + y];
        const p = ((t.first[yy] + y) * w + x) * 3;
        s0 += src[p] * kk; s1 += src[p + 1] * kk; s2 += src[p + 2] * kk;
      }
      const o = (yy * w + x) * 3;
      out[o] = clip8(s0); out[o + 1] = clip8(s1); out[o + 2] = clip8(s2);
    }
  }
  return out;
}
