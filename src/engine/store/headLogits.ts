// Logits of imported rows that came without them: the model's head (logits = W x + b) run by ONNX Runtime's Gemm,
// multithreaded, since at ImageNet shape (2,048 x 1,000) that is 4 MFLOP per image. ONNX Runtime is loaded only
// when a store lacks logits.
import type { LinearHead } from '../../core/types';
import { buildForwardGraph, FORWARD_IO } from '../train/headGraphs';

/** Computes logits for chosen rows of a row-major features block. */
export interface LogitsComputer {
  /** Writes the logits of rows `rows` of `features` (rows x dim) into `out` (rows x classes) at the same rows. */
  compute(features: Float32Array, rows: readonly number[], out: Float32Array): Promise<void>;
  release(): Promise<void>;
}

/** A Gemm session over the head's weights; threads defaults to ONNX Runtime's default for this machine. */
export async function headLogitsComputer(head: LinearHead, threads?: number): Promise<LogitsComputer> {
  const { RawSession, defaultThreads } = await import('../native/ort');
  const { classes: C, dim: D } = head;
  const session = await RawSession.create(buildForwardGraph(C, D), { threads: threads ?? defaultThreads(), label: `head logits (${C} x ${D})` });
  const I = FORWARD_IO.inputs;
  let x = new Float32Array(0);
  return {
    async compute(features, rows, out) {
      if (rows.length === 0) return;
      if (x.length < rows.length * D) x = new Float32Array(rows.length * D);
      rows.forEach((r, j) => x.set(features.subarray(r * D, (r + 1) * D), j * D));
      const res = await session.run({
        [I.x]: { data: x.subarray(0, rows.length * D), dims: [rows.length, D] },
        [I.w]: { data: head.weight, dims: [C, D] },
        [I.b]: { data: head.bias, dims: [C] },
      }, [FORWARD_IO.outputs.logits]);
      const logits = res[FORWARD_IO.outputs.logits].data as Float32Array;
      rows.forEach((r, j) => out.set(logits.subarray(j * C, (j + 1) * C), r * C));
    },
    release: () => session.release(),
  };
}
