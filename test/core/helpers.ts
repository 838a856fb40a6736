// Small builders shared by the core tests.
import type { LinearHead, Matrix } from '../../src/core/types';

/** A Matrix from nested rows. */
export function mat(rows: number[][]): Matrix {
  const cols = rows[0]?.length ?? 0;
  return { rows: rows.length, cols, data: Float32Array.from(rows.flat()) };
}

/** A LinearHead from nested weight rows and a bias. */
export function headOf(weight: number[][], bias?: number[]): LinearHead {
  return {
    classes: weight.length,
    dim: weight[0].length,
    weight: Float32Array.from(weight.flat()),
    bias: Float32Array.from(bias ?? weight.map(() => 0)),
  };
}

/** Assert-friendly closeness check. */
export function close(a: number, b: number, eps = 1e-6): boolean {
  return Math.abs(a - b) <= eps * Math.max(1, Math.abs(a), Math.abs(b));
}
