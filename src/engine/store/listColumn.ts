// Row access to an Arrow list column of floats (list, large_list or fixed_size_list of float16/32/64) without
// materialising per-row arrays: the importer copies each row's values straight out of the batch's buffers.
import type * as ArrowNs from 'apache-arrow';

/** A list-of-floats column of one record batch. */
export interface FloatListColumn {
  /** Values per row when the list is fixed-size, else null. */
  readonly fixedSize: number | null;
  /** 'f16' values are float16 bits. */
  readonly format: 'f16' | 'f32' | 'f64';
  /** Start (into `values`) and length of row i's values, or null for a null row. */
  span(i: number): { start: number; length: number } | null;
  readonly values: Uint16Array | Float32Array | Float64Array;
  /** Whether value k (an index into `values`) is non-null. */
  valueValid(k: number): boolean;
}

const FORMATS = ['f16', 'f32', 'f64'] as const;

/** Reads the column's layout; returns a sentence saying what is wrong when it is not a list of floats. */
export function floatListColumn(arrow: typeof ArrowNs, data: ArrowNs.Data): FloatListColumn | string {
  const t = data.type;
  const isFixed = arrow.DataType.isFixedSizeList(t);
  const isList = arrow.DataType.isList(t) || t.typeId === arrow.Type.LargeList;
  if (!isFixed && !isList) return `is ${String(t)}, expected a list of floats`;
  const child = data.children[0];
  if (!child || !arrow.DataType.isFloat(child.type)) return `is ${String(t)}, expected a list of float16, float32 or float64`;
  const format = FORMATS[(child.type as ArrowNs.Float).precision];
  if (!format) return `has float precision ${(child.type as ArrowNs.Float).precision}, expected half, single or double`;
  const values = child.values as Uint16Array | Float32Array | Float64Array;
  const base = child.offset;
  const childNulls = child.nullCount > 0;
  const valueValid = (k: number) => !childNulls || child.getValid(k - base);
  const rowValid = (i: number) => data.nullCount === 0 || data.getValid(i);
  if (isFixed) {
    const size = (t as ArrowNs.FixedSizeList).listSize;
    return { fixedSize: size, format, values, valueValid, span: (i) => (rowValid(i) ? { start: base + (data.offset + i) * size, length: size } : null) };
  }
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const at = (j: number) => Number(offsets[data.offset + j]);
  return { fixedSize: null, format, values, valueValid, span: (i) => (rowValid(i) ? { start: base + at(i), length: at(i + 1) - at(i) } : null) };
}

/**
 * Copies row values into out (float32) at outOffset; returns the index within the row of the first value that is null,
 * NaN or infinite, or -1 when all are finite. float16 rows are decoded through `table`.
 */
export function copyFinite(col: FloatListColumn, start: number, length: number, out: Float32Array, outOffset: number, table: Float32Array): number {
  const v = col.values;
  if (col.format === 'f16') {
    const bits = v as Uint16Array;
    for (let k = 0; k < length; k++) {
      const b = bits[start + k];
      if ((b & 0x7c00) === 0x7c00) return k; // exponent all ones: infinity or NaN
      out[outOffset + k] = table[b];
    }
  } else {
    for (let k = 0; k < length; k++) {
      const x = v[start + k];
      if (!Number.isFinite(x)) return k;
      out[outOffset + k] = x;
    }
    if (col.format === 'f64') {
      // float64 beyond float32's range becomes infinite once stored
      for (let k = 0; k < length; k++) if (!Number.isFinite(out[outOffset + k])) return k;
    }
  }
  for (let k = 0; k < length; k++) if (!col.valueValid(start + k)) return k;
  return -1;
}
