// Linear-head SGD at GEMM speed: the step graph of headGraphs.ts run by ONNX Runtime, with the same semantics as the
// plain-JavaScript step in src/core/mitigate.ts (batches taken in `order`, loss = mean over the epoch's steps).
import type { LinearHead, Matrix } from '../../core/types';
import { RawSession, type RawTensor } from '../native/ort';
import { tuneRowsReader, type TuneRows } from './tuneRows';
import { buildForwardGraph, buildLossGradGraph, buildStepGraph, FORWARD_IO, LOSS_GRAD_IO, STEP_IO } from './headGraphs';

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
  /** SGD steps per ONNX Runtime run (default 4): more amortise the per-run output copies, fewer build smaller graphs. */
  stepsPerRun?: number;
}

/**
 * Momentum, sessions and scratch of a head being trained. Momentum is kept scaled, U = -lr v (see buildStepGraph);
 * the weights and U alternate between two buffers each (ONNX Runtime writes a run's outputs straight into the idle
 * pair), so a run copies no weights on our side.
 */
export class OrtHeadTrainer {
  private uW: Float32Array;
  private uB: Float32Array;
  private spareUW: Float32Array;
  private spareUB: Float32Array;
  private spareW: Float32Array;
  private spareB: Float32Array;
  /** The lr U is scaled by; 0 until the first epoch. */
  private uLr = 0;
  private readonly steps = new Map<string, RawSession>();
  private forward: RawSession | null = null;
  private lossGradSession: RawSession | null = null;

  private constructor(readonly classes: number, readonly dim: number, private readonly opts: Required<OrtTrainerOptions>) {
    const cd = classes * dim;
    this.uW = new Float32Array(cd);
    this.uB = new Float32Array(classes);
    this.spareUW = new Float32Array(cd);
    this.spareUB = new Float32Array(classes);
    this.spareW = new Float32Array(cd);
    this.spareB = new Float32Array(classes);
  }

  /** A trainer for heads of this shape, momentum zero as in mitigate; sessions are created on first use. */
  static create(shape: { classes: number; dim: number }, opts: OrtTrainerOptions): OrtHeadTrainer {
    const { classes, dim } = shape;
    if (!Number.isInteger(classes) || classes < 1 || !Number.isInteger(dim) || dim < 1) {
      throw new RangeError(`OrtHeadTrainer: classes and dim must be positive integers, got ${classes} x ${dim}`);
    }
    const l2 = opts.l2 ?? 0;
    if (!(l2 >= 0)) throw new RangeError(`OrtHeadTrainer: l2 must be >= 0, got ${l2}`);
    const stepsPerRun = opts.stepsPerRun ?? 4;
    if (!Number.isInteger(stepsPerRun) || stepsPerRun < 1) throw new RangeError(`OrtHeadTrainer: stepsPerRun must be a positive integer, got ${stepsPerRun}`);
    return new OrtHeadTrainer(classes, dim, { threads: opts.threads, l2, stepsPerRun });
  }

  /** The momentum buffers in PyTorch's form (v of v = m v + g), copied out. */
  momentum(): { vW: Float32Array; vB: Float32Array } {
    const k = this.uLr > 0 ? -1 / this.uLr : 0;
    return { vW: this.uW.map((x) => x * k), vB: this.uB.map((x) => x * k) };
  }

  private async session(steps: number, lr: number, momentum: number): Promise<RawSession> {
    const key = `${steps}|${lr}|${momentum}`;
    let s = this.steps.get(key);
    if (!s) {
      const bytes = buildStepGraph(this.classes, this.dim, { lr, momentum, l2: this.opts.l2, steps });
      s = await RawSession.create(bytes, { threads: this.opts.threads, label: `head trainer (${this.classes} x ${this.dim}, ${steps}-step graph)` });
      this.steps.set(key, s);
    }
    return s;
  }

  /**
   * One epoch over `order` in batches of schedule.batch, updating head.weight and head.bias in place and this
   * trainer's momentum. Returns the mean training loss over the epoch's steps (NaN for an empty order).
   */
  async trainEpoch(features: TuneRows, labels: Int32Array, head: LinearHead, order: Int32Array, schedule: OrtSchedule): Promise<number> {
    const { classes: C, dim: D } = this;
    if (head.classes !== C || head.dim !== D) throw new RangeError(`trainEpochOrt: head is ${head.classes} x ${head.dim}; this trainer was made for ${C} x ${D}`);
    if (features.cols !== D) throw new RangeError(`trainEpochOrt: features have ${features.cols} columns; the head expects ${D}`);
    const batch = Math.floor(schedule.batch);
    if (!(batch >= 1)) throw new RangeError(`trainEpochOrt: batch must be >= 1, got ${schedule.batch}`);
    const { lr, momentum } = schedule;
    if (!(lr > 0) || !Number.isFinite(lr)) throw new RangeError(`trainEpochOrt: lr must be a finite number > 0, got ${lr}`);
    if (!(momentum >= 0) || !Number.isFinite(momentum)) throw new RangeError(`trainEpochOrt: momentum must be a finite number >= 0, got ${momentum}`);
    for (let j = 0; j < order.length; j++) {
      const r = order[j];
      if (!(r >= 0 && r < features.rows)) throw new RangeError(`trainEpochOrt: order names row ${r}; features have rows 0..${features.rows - 1}`);
      const y = labels[r];
      if (!(y >= 0 && y < C)) throw new RangeError(`image ${r} has label ${y}; valid labels are 0..${C - 1}`);
    }
    if (order.length === 0) return NaN;
    if (this.uLr !== lr) {
      // U is scaled by the lr it was built with: rescale so v is unchanged when the schedule's lr changes.
      if (this.uLr > 0) {
        const k = lr / this.uLr;
        for (let i = 0; i < this.uW.length; i++) this.uW[i] *= k;
        for (let i = 0; i < this.uB.length; i++) this.uB[i] *= k;
      }
      this.uLr = lr;
    }
    const K = this.opts.stepsPerRun;
    const X = tuneRowsReader(features);
    const maxB = Math.min(batch, order.length);
    const slots = Math.min(K, Math.ceil(order.length / batch));
    const xBufs = Array.from({ length: slots }, () => new Float32Array(maxB * D));
    const yBufs = Array.from({ length: slots }, () => new Float32Array(maxB * C));
    let w = head.weight, b = head.bias;
    let spareW = this.spareW, spareB = this.spareB;
    let lossSum = 0;
    let steps = 0;
    const IO = STEP_IO;
    const fullBatches = Math.floor(order.length / batch);
    let s = 0;
    while (s < order.length) {
      // K full batches per run while there are that many; then the rest one per run (at most K - 1 plus a partial one).
      const k = steps + K <= fullBatches ? K : 1;
      const feeds: Record<string, RawTensor> = {
        [IO.inputs.w]: { data: w, dims: [C, D] }, [IO.inputs.b]: { data: b, dims: [C] },
        [IO.inputs.uw]: { data: this.uW, dims: [C, D] }, [IO.inputs.ub]: { data: this.uB, dims: [C] },
      };
      for (let q = 0; q < k; q++) {
        const m = Math.min(batch, order.length - s);
        const xb = xBufs[q];
        const yb = yBufs[q];
        yb.fill(0, 0, m * C);
        for (let j = 0; j < m; j++) {
          const r = order[s + j];
          X.copyRow(r, xb, j * D);
          yb[j * C + labels[r]] = 1;
        }
        feeds[IO.x(q)] = { data: xb.subarray(0, m * D), dims: [m, D] };
        feeds[IO.y(q)] = { data: yb.subarray(0, m * C), dims: [m, C] };
        feeds[IO.scale(q)] = { data: Float32Array.of(1 / m), dims: [] };
        s += m;
      }
      const lossNames = Array.from({ length: k }, (_, q) => IO.loss(q));
      const session = await this.session(k, lr, momentum);
      const out = await session.run(feeds, [IO.outputs.w, IO.outputs.b, IO.outputs.uw, IO.outputs.ub, ...lossNames], {
        [IO.outputs.w]: { data: spareW, dims: [C, D] }, [IO.outputs.b]: { data: spareB, dims: [C] },
        [IO.outputs.uw]: { data: this.spareUW, dims: [C, D] }, [IO.outputs.ub]: { data: this.spareUB, dims: [C] },
      });
      [w, spareW] = [spareW, w];
      [b, spareB] = [spareB, b];
      [this.uW, this.spareUW] = [this.spareUW, this.uW];
      [this.uB, this.spareUB] = [this.spareUB, this.uB];
      for (const name of lossNames) lossSum += (out[name].data as Float32Array)[0];
      steps += k;
    }
    // After an odd number of runs the newest weights sit in the trainer's buffers: move them into the head's.
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

  /**
   * Mean softmax cross-entropy of `head` over rows `rows` of `features` and its gradient (no penalty), the quantity
   * core's softmaxCrossEntropy computes, with ONNX Runtime's GEMMs over chunks of `chunkRows` rows: what core/headTune's
   * L-BFGS asks for at every point when the tuning set is large.
   */
  async lossGrad(features: TuneRows, labels: Int32Array, rows: Int32Array, head: LinearHead, chunkRows = 4096): Promise<{ loss: number; gradW: Float32Array; gradB: Float32Array }> {
    const { classes: C, dim: D } = this;
    if (head.classes !== C || head.dim !== D || features.cols !== D) {
      throw new RangeError(`OrtHeadTrainer: head ${head.classes} x ${head.dim} and features with ${features.cols} columns do not match the trainer's ${C} x ${D}`);
    }
    if (rows.length === 0) throw new RangeError('lossGrad needs at least one row');
    this.lossGradSession ??= await RawSession.create(buildLossGradGraph(C, D), { threads: this.opts.threads, label: `head trainer (${C} x ${D} loss-gradient graph)` });
    const step = Math.max(1, Math.min(Math.floor(chunkRows), rows.length));
    const xb = new Float32Array(step * D);
    const yb = new Float32Array(step * C);
    const gradW = new Float32Array(C * D);
    const gradB = new Float32Array(C);
    const scale = Float32Array.of(1 / rows.length);
    const X = tuneRowsReader(features);
    const I = LOSS_GRAD_IO.inputs;
    const O = LOSS_GRAD_IO.outputs;
    let loss = 0;
    for (let start = 0; start < rows.length; start += step) {
      const n = Math.min(step, rows.length - start);
      yb.fill(0);
      for (let j = 0; j < n; j++) {
        const r = rows[start + j];
        if (!(r >= 0 && r < features.rows)) throw new RangeError(`lossGrad: row ${r}; features have rows 0..${features.rows - 1}`);
        const y = labels[r];
        if (!(y >= 0 && y < C)) throw new RangeError(`image ${r} has label ${y}; valid labels are 0..${C - 1}`);
        X.copyRow(r, xb, j * D);
        yb[j * C + y] = 1;
      }
      const out = await this.lossGradSession.run({
        [I.x]: { data: xb.subarray(0, n * D), dims: [n, D] }, [I.y]: { data: yb.subarray(0, n * C), dims: [n, C] },
        [I.scale]: { data: scale, dims: [] }, [I.w]: { data: head.weight, dims: [C, D] }, [I.b]: { data: head.bias, dims: [C] },
      }, [O.loss, O.gw, O.gb]);
      loss += (out[O.loss].data as Float32Array)[0];
      const gw = out[O.gw].data as Float32Array;
      const gb = out[O.gb].data as Float32Array;
      if (start === 0) { gradW.set(gw); gradB.set(gb); } else {
        for (let k = 0; k < gw.length; k++) gradW[k] += gw[k];
        for (let k = 0; k < gb.length; k++) gradB[k] += gb[k];
      }
    }
    return { loss, gradW, gradB };
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

  /** The predicted class of rows `rows` of `features` (gathered chunk by chunk, so only chunkRows rows are copied at a time). */
  async predictRows(features: TuneRows, rows: Int32Array, head: LinearHead, chunkRows = 4096): Promise<Int32Array> {
    const D = this.dim;
    const step = Math.max(1, Math.min(Math.floor(chunkRows), rows.length));
    const buf = new Float32Array(step * D);
    const out = new Int32Array(rows.length);
    const X = tuneRowsReader(features);
    for (let start = 0; start < rows.length; start += step) {
      const n = Math.min(step, rows.length - start);
      for (let j = 0; j < n; j++) {
        const r = rows[start + j];
        if (!(r >= 0 && r < features.rows)) throw new RangeError(`predictRows: row ${r}; features have rows 0..${features.rows - 1}`);
        X.copyRow(r, buf, j * D);
      }
      const part = await this.predict({ rows: n, cols: D, data: buf.subarray(0, n * D) }, head, n);
      out.set(part, start);
    }
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
    const all = [...this.steps.values(), ...(this.forward ? [this.forward] : []), ...(this.lossGradSession ? [this.lossGradSession] : [])];
    this.steps.clear();
    this.forward = null;
    this.lossGradSession = null;
    await Promise.all(all.map((s) => s.release()));
  }
}

/**
 * One epoch of SGD with momentum on softmax cross-entropy through ONNX Runtime: the same batches, update and returned
 * loss (mean over steps) as mitigate's inner loop. `state` carries momentum across epochs; create it once per head.
 */
export async function trainEpochOrt(
  features: TuneRows, labels: Int32Array, head: LinearHead, order: Int32Array, schedule: OrtSchedule, state: OrtHeadTrainer,
): Promise<number> {
  return state.trainEpoch(features, labels, head, order, schedule);
}
