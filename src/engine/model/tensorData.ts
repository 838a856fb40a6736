import { onnx } from 'onnx-proto';

/** protobufjs decodes int64 fields as Long objects when the `long` package is present, else as numbers. */
export type Int64 = number | { toNumber(): number };

/** An int64 field as a JS number (model dims and attributes are far below 2^53). */
export function int64(v: Int64 | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** A constant tensor read out of an initializer or Constant node. */
export interface ConstTensor {
  dims: number[];
  /** Values as float64 (exact for float32, float16 and the int64 sizes a graph stores). */
  values: Float64Array;
}

const DT = onnx.TensorProto.DataType;

/** Converts an IEEE half-precision bit pattern to a number. */
function halfToNumber(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

/** Reads a TensorProto's values (raw_data little-endian or the typed repeated fields); null for types a head never uses or external data. */
export function readTensor(t: onnx.ITensorProto): ConstTensor | null {
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return null;
  const dims = (t.dims ?? []).map(int64);
  const count = dims.reduce((a, b) => a * b, 1);
  const raw = t.rawData && t.rawData.length > 0 ? t.rawData : null;
  const view = raw ? new DataView(raw.buffer, raw.byteOffset, raw.byteLength) : null;
  const out = new Float64Array(count);
  const dt = t.dataType ?? DT.UNDEFINED;
  // A tensor shorter than its dims claim is malformed: treat it as unreadable rather than pad it.
  const need = (bytes: number, field: ArrayLike<unknown> | null | undefined): boolean =>
    view ? view.byteLength >= count * bytes : (field?.length ?? 0) >= count;
  switch (dt) {
    case DT.FLOAT:
      if (!need(4, t.floatData)) return null;
      for (let i = 0; i < count; i++) out[i] = view ? view.getFloat32(i * 4, true) : t.floatData![i];
      break;
    case DT.DOUBLE:
      if (!need(8, t.doubleData)) return null;
      for (let i = 0; i < count; i++) out[i] = view ? view.getFloat64(i * 8, true) : t.doubleData![i];
      break;
    case DT.FLOAT16:
      // Without raw_data, float16 values are stored as uint16 bit patterns in int32_data.
      if (!need(2, t.int32Data)) return null;
      for (let i = 0; i < count; i++) out[i] = halfToNumber(view ? view.getUint16(i * 2, true) : t.int32Data![i]);
      break;
    case DT.INT64:
      if (!need(8, t.int64Data)) return null;
      for (let i = 0; i < count; i++) out[i] = view ? Number(view.getBigInt64(i * 8, true)) : int64(t.int64Data![i]);
      break;
    case DT.INT32:
      if (!need(4, t.int32Data)) return null;
      for (let i = 0; i < count; i++) out[i] = view ? view.getInt32(i * 4, true) : t.int32Data![i];
      break;
    default:
      return null;
  }
  return { dims, values: out };
}
