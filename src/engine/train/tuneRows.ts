// The feature rows of a tuning problem: float32 (an in-memory session's copy), or the feature cache's own float16
// bits. A float16 cache's values are exactly float16, so keeping the bits loses nothing and halves the memory (the
// paper's ImageNet setting, 100k tuning + 50k validation rows x 2,048 features: 614 MB instead of 1.23 GB); a row is
// decoded to float32 only when a batch or chunk is gathered, so every consumer sees the same values either way.
import { rowReader, type RowReader } from '../../core/featureRows';
import type { Matrix } from '../../core/types';
import { float16Table, toFloat16Bits } from '../cache/float16';

/** Rows x cols features kept as float16 bits (row-major): plain data, so it crosses a process boundary as is. */
export interface HalfRows {
  rows: number;
  cols: number;
  half: Uint16Array;
}

/** A tuning problem's feature rows. */
export type TuneRows = Matrix | HalfRows;

/** True for float16 rows. */
export function isHalfRows(m: TuneRows): m is HalfRows {
  return (m as Partial<HalfRows>).half !== undefined;
}

/** Reads rows one at a time as float32, whichever form they are kept in. */
export function tuneRowsReader(m: TuneRows): RowReader {
  if (!isHalfRows(m)) return rowReader(m);
  const { rows, cols, half } = m;
  const t = float16Table();
  return {
    rows, cols,
    copyRow(r, out, outOffset) {
      const o = r * cols;
      for (let d = 0; d < cols; d++) out[outOffset + d] = t[half[o + d]];
    },
  };
}

/** The rows as a float32 Matrix (itself when they are one). */
export function toFloat32Rows(m: TuneRows): Matrix {
  if (!isHalfRows(m)) return m;
  const data = new Float32Array(m.rows * m.cols);
  const t = float16Table();
  for (let i = 0; i < data.length; i++) data[i] = t[m.half[i]];
  return { rows: m.rows, cols: m.cols, data };
}

/**
 * Collects rows x cols feature values row by row, as float16 bits while every value is exactly a float16 (what a
 * float16 cache shard gives), switching to float32 at the first value that is not (a float32 shard's, e.g. features
 * beyond float16's range): the rows read back are always the values written.
 */
export class TuneRowsBuilder {
  private half: Uint16Array | null;
  private f32: Float32Array | null = null;

  constructor(readonly rows: number, readonly cols: number) {
    this.half = new Uint16Array(rows * cols);
  }

  /** Sets row r to values[from, from + cols). */
  setRow(r: number, values: Float32Array, from: number): void {
    const D = this.cols;
    const o = r * D;
    if (this.half) {
      const t = float16Table();
      const h = this.half;
      for (let d = 0; d < D; d++) {
        const v = values[from + d];
        const bits = toFloat16Bits(v);
        if (t[bits] !== v) {
          this.widen();
          break;
        }
        h[o + d] = bits;
      }
      if (this.half) return;
    }
    this.f32!.set(values.subarray(from, from + D), o);
  }

  /** Whether the rows are still kept as float16. */
  get isHalf(): boolean {
    return this.half !== null;
  }

  /** The collected rows. */
  done(): TuneRows {
    return this.half ? { rows: this.rows, cols: this.cols, half: this.half } : { rows: this.rows, cols: this.cols, data: this.f32! };
  }

  private widen(): void {
    this.f32 = toFloat32Rows({ rows: this.rows, cols: this.cols, half: this.half! }).data;
    this.half = null;
  }
}
