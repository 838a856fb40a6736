// Per-output-channel symmetric int8 weights and the int32 biases that go with them (the layout ONNX Runtime's
// QLinearConv / QGemm expect: weight zero point 0, bias scale = input scale x weight scale of its channel).

/** A weight tensor quantized per output channel: q = round(w / scale[c]) in [-qmax, qmax], zero point 0. */
export interface ChannelQuantized {
  q: Int8Array;
  scales: Float32Array;
}

/**
 * Quantizes `values` (row-major, `dims`) per slice along `axis`. qmax is 127 for full int8, or 63 for 7-bit weights,
 * which keep u8 x s8 pair sums inside int16 on CPUs whose integer kernels saturate there (AVX2 without VNNI).
 */
export function quantizePerChannel(values: ArrayLike<number>, dims: readonly number[], axis: number, qmax: number): ChannelQuantized {
  if (axis < 0 || axis >= dims.length) throw new Error(`quantizePerChannel: axis ${axis} is outside a ${dims.length}-d tensor`);
  const channels = dims[axis];
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const count = outer * channels * inner;
  if (values.length !== count) throw new Error(`quantizePerChannel: ${values.length} values for dims [${dims.join(', ')}]`);
  const maxAbs = new Float64Array(channels);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      let m = maxAbs[c];
      for (let i = 0; i < inner; i++) m = Math.max(m, Math.abs(values[base + i]));
      maxAbs[c] = m;
    }
  }
  // An all-zero channel gets scale 1 (any scale reproduces zeros); a zero scale would be invalid ONNX.
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / qmax : 1));
  const q = new Int8Array(count);
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < channels; c++) {
      const base = (o * channels + c) * inner;
      const s = scales[c];
      for (let i = 0; i < inner; i++) q[base + i] = Math.max(-qmax, Math.min(qmax, Math.round(values[base + i] / s)));
    }
  }
  return { q, scales };
}

/** Bias to int32 with scale inputScale x weightScale[c] (zero point 0), as the integer kernels add it to the accumulator. */
export function quantizeBias(bias: ArrayLike<number>, inputScale: number, weightScales: Float32Array): { q: Int32Array; scales: Float32Array } {
  const n = bias.length;
  if (weightScales.length !== n) throw new Error(`quantizeBias: ${n} bias values for ${weightScales.length} weight channels`);
  const scales = new Float32Array(n);
  const q = new Int32Array(n);
  for (let c = 0; c < n; c++) {
    scales[c] = Math.fround(inputScale * weightScales[c]);
    const v = Math.round(bias[c] / scales[c]);
    q[c] = Math.max(-(2 ** 31), Math.min(2 ** 31 - 1, v));
  }
  return { q, scales };
}

/** uint8 asymmetric activation parameters for a calibrated [min, max]; the range always includes 0 so zero is exact. */
export function activationParams(min: number, max: number): { scale: number; zeroPoint: number } {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  if (!(hi > lo) || !Number.isFinite(lo) || !Number.isFinite(hi)) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  const zeroPoint = Math.max(0, Math.min(255, Math.round(-lo / scale)));
  return { scale, zeroPoint };
}
