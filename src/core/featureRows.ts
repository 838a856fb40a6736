// Feature rows read one at a time. A tuning problem's rows need not be a float32 Matrix: at ImageNet scale the
// engine keeps them as the cache's float16 bits (half the memory) and decodes a row when it is read; code that only
// walks rows (the tuner's standardisation, the SGD step size) takes either and computes the same values.
import type { Matrix } from './types';

/** Rows of `cols` float32 values, each copied out on request (a Matrix, or rows kept in another form). */
export interface RowReader {
  readonly rows: number;
  readonly cols: number;
  /** Copies row `r` (cols float32 values) into out at outOffset. */
  copyRow(r: number, out: Float32Array, outOffset: number): void;
}

/** True for a RowReader (a Matrix has a data array and no copyRow). */
export function isRowReader(m: Matrix | RowReader): m is RowReader {
  return typeof (m as Partial<RowReader>).copyRow === 'function';
}

/** A RowReader over a Matrix, or the reader itself. */
export function rowReader(m: Matrix | RowReader): RowReader {
  if (isRowReader(m)) return m;
  const { rows, cols, data } = m;
  return { rows, cols, copyRow: (r, out, outOffset) => out.set(data.subarray(r * cols, (r + 1) * cols), outOffset) };
}
