// Linear-head SGD at GEMM speed: the step graph of headGraphs.ts run by ONNX Runtime, with the same semantics as the
// plain-JavaScript step in src/core/mitigate.ts (batches taken in `order`, loss = mean over the epoch's steps).
import type { LinearHead, Matrix } from '../../core/types';
import { RawSession } from '../native/ort';
import { buildForwardGraph, buildStepGraph, FORWARD_IO, STEP_IO } from './headGraphs';

/** The optimiser settings an epoch runs with (a subset of core's Schedule). */
export interface OrtSchedule {
  lr: number;
  batch: number;
  momentum: number;
}

/** Options of OrtHeadTrainer.create. */
export interface OrtTrainerOptions {
  /** ONNX Runtime intra-op threads. */
  threads: number;
  /** L2 penalty (l2 / 2) ||W||² on the weights, as core's softmaxCrossEntropy (default 0). */
  l2?: number;
}

/**
 * Momentum buffers, sessions and scratch of a head being trained. The weights and momentum alternate between two
 * buffers each (ONNX Runtime writes a step's outputs straight into the idle pair), so a step copies no weights.
 */
export class OrtHeadTrainer {
  /** Momentum of the weights and bias, classes x dim and classes (zero at creation, as in mitigate). */
  vW: Float32Array;
  vB: Float32Array;
  private spareVW: Float32Array;
  private spareVB: Float32Array;
  private spareW: Float32Array;
  private spareB: Float32Array;
  private readonly steps = new Map<number, RawSession>();
  private forward: RawSession | null = null;

  private constructor(readonly classes: number, readonly dim: number, private readonly opts: Required<OrtTrainerOptions>) {
    const cd = classes * dim;
    this.vW = new Float32Array(cd);
    this.vB = new Float32Array(classes);
    this.spareVW = new Float32Array(cd);
    this.spareVB = new Float32Array(classes);
    this.spareW = new Float32Array(cd);
    this.spareB = new Float32Array(classes);
  }

  /** A trainer for heads of this shape; sessions are created on first use. */
  static create(shape: { classes: number; dim: number }, opts: OrtTrainerOptions): OrtHeadTrainer {
    const { classes, dim } = shape;
    if (!Number.isInteger(classes) || classes < 1 || !Number.isInteger(dim) || dim < 1) {
      throw new RangeError(`OrtHeadTrainer: classes and dim must be positive integers, got ${classes} x ${dim}`);
    }
    const l2 = opts.l2 ?? 0;
    if (!(l2 >= 0)) throw new RangeError(`OrtHeadTrainer: l2 must be >= 0, got ${l2}`);
    return new OrtHeadTrainer(classes, dim, { threads: opts.threads, l2 });
  }

  private async stepSession(momentum: number): Promise<RawSession> {
    let s = this.steps.get(momentum);
    if (!s) {
      const bytes = buildStepGraph(this.classes, this.dim, { momentum, l2: this.opts.l2 });
      s = await RawSession.create(bytes, { threads: this.opts.threads, label: `head trainer (${this.classes} x ${this.dim} step graph)` });
      this.steps.set(momentum, s);
    }
    return s;
  }

  /**
   * One epoch over `order` in batches of schedule.batch, updating head.weight and head.bias in place and this
   * trainer's momentum. Returns the mean training loss over the epoch's steps (NaN for an empty order).
   */
  async trainEpoch(features: Matrix, labels: Int32Array, head: LinearHead, order: Int32Array, schedule: OrtSchedule): Promise<number> {
    const { classes: C, dim: D } = this;
    if (head.classes !== C || head.dim !== D) throw new RangeError(`trainEpochOrt: head is ${head.classes} x ${head.dim}; this trainer was made for ${C} x ${D}`);
    if (features.cols !== D) throw new RangeError(`trainEpochOrt: features have ${features.cols} columns; the head expects ${D}`);
    const batch = Math.floor(schedule.batch);
    if (!(batch >= 1)) throw new RangeError(`trainEpochOrt: batch must be >= 1, got ${schedule.batch}`);
    if (order.length === 0) return NaN;
    const session = await this.stepSession(schedule.momentum);
    const X = features.data;
    const maxB = Math.min(batch, order.length);
    const xBuf = new Float32Array(maxB * D);
    const yBuf = new Float32Array(maxB * C);
    const lr = { data: Float32Array.of(schedule.lr), dims: [] };
    const loss = { data: new Float32Array(1), dims: [] };
    let w = head.weight, b = head.bias;
    let spareW = this.spareW, spareB = this.spareB;
    let lossSum = 0;
    let steps = 0;
    const I = STEP_IO.inputs;
    const O = STEP_IO.outputs;
    for (let s = 0; s < order.length; s += batch) {
      const m = Math.min(batch, order.length - s);
      yBuf.fill(0, 0, m * C);
      for (let j = 0; j < m; j++) {
        const r = order[s + j];
        if (!(r >= 0 && r < features.rows)) throw new RangeError(`trainEpochOrt: order names row ${r}; features have rows 0..${features.rows - 1}`);
        const y = labels[r];
        if (!(y >= 0 && y < C)) throw new RangeError(`image ${r} has label ${y}; valid labels are 0..${C - 1}`);
        xBuf.set(X.subarray(r * D, r * D + D), j * D);
        yBuf[j * C + y] = 1;
      }
      await session.run({
        [I.x]: { data: xBuf.subarray(0, m * D), dims: [m, D] }, [I.y]: { data: yBuf.subarray(0, m * C), dims: [m, C] },
        [I.w]: { data: w, dims: [C, D] }, [I.b]: { data: b, dims: [C] },
        [I.vw]: { data: this.vW, dims: [C, D] }, [I.vb]: { data: this.vB, dims: [C] },
        [I.lr]: lr, [I.scale]: { data: Float32Array.of(1 / m), dims: [] },
      }, [O.w, O.b, O.vw, O.vb, O.loss], {
        [O.w]: { data: spareW, dims: [C, D] }, [O.b]: { data: spareB, dims: [C] },
        [O.vw]: { data: this.spareVW, dims: [C, D] }, [O.vb]: { data: this.spareVB, dims: [C] }, [O.loss]: loss,
      });
      [w, spareW] = [spareW, w];
      [b, spareB] = [spareB, b];
      [this.vW, this.spareVW] = [this.spareVW, this.vW];
      [this.vB, this.spareVB] = [this.spareVB, this.vB];
      lossSum += loss.data[0];
      steps++;
    }
    // After an odd number of steps the newest weights sit in the trainer's buffers: move them into the head's.
    if (w !== head.weight) {
      head.weight.set(w);
      head.bias.set(b);
      this.spareW = w;
      this.spareB = b;
    } else {
      this.spareW = spareW;
      this.spareB = spareB;
    }
    return lossSum / steps;
  }

  /** Logits (rows x classes) of a head over every row of `features`, in chunks of `chunkRows` so memory stays bounded. */
  async logits(features: Matrix, head: LinearHead, chunkRows = 4096): Promise<Float32Array> {
    const out = new Float32Array(features.rows * head.classes);
    await this.forwardChunks(features, head, chunkRows, FORWARD_IO.outputs.logits, (start, t) => out.set(t.data as Float32Array, start * head.classes));
    return out;
  }

  /** The predicted class (argmax of the logits) of every row of `features`. */
  async predict(features: Matrix, head: LinearHead, chunkRows = 4096): Promise<Int32Array> {
    const out = new Int32Array(features.rows);
    await this.forwardChunks(features, head, chunkRows, FORWARD_IO.outputs.argmax, (start, t) => {
      const a = t.data as BigInt64Array;
      for (let k = 0; k < a.length; k++) out[start + k] = Number(a[k]);
    });
    return out;
  }

  private async forwardChunks(features: Matrix, head: LinearHead, chunkRows: number, output: string, take: (start: number, t: { data: ArrayLike<unknown> }) => void): Promise<void> {
    const { classes: C, dim: D } = this;
    if (head.classes !== C || head.dim !== D || features.cols !== D) {
      throw new RangeError(`OrtHeadTrainer: head ${head.classes} x ${head.dim} and features with ${features.cols} columns do not match the trainer's ${C} x ${D}`);
    }
    this.forward ??= await RawSession.create(buildForwardGraph(C, D), { threads: this.opts.threads, label: `head trainer (${C} x ${D} forward graph)` });
    const I = FORWARD_IO.inputs;
    const step = Math.max(1, Math.floor(chunkRows));
    for (let start = 0; start < features.rows; start += step) {
      const n = Math.min(step, features.rows - start);
      const r = await this.forward.run({
        [I.x]: { data: features.data.subarray(start * D, (start + n) * D), dims: [n, D] },
        [I.w]: { data: head.weight, dims: [C, D] }, [I.b]: { data: head.bias, dims: [C] },
      }, [output]);
      take(start, r[output]);
    }
  }

  /** Frees the native sessions; the trainer can still be used afterwards (sessions are recreated). */
  async release(): Promise<void> {
    const all = [...this.steps.values(), ...(this.forward ? [this.forward] : [])];
    this.steps.clear();
    this.forward = null;
    await Promise.all(all.map((s) => s.release()));
  }
}

/**
 * One epoch of SGD with momentum on softmax cross-entropy through ONNX Runtime: the same batches, update and returned
 * loss (mean over steps) as mitigate's inner loop. `state` carries momentum across epochs; create it once per head.
 */
export async function trainEpochOrt(
  features: Matrix, labels: Int32Array, head: LinearHead, order: Int32Array, schedule: OrtSchedule, state: OrtHeadTrainer,
): Promise<number> {
  return state.trainEpoch(features, labels, head, order, schedule);
}
