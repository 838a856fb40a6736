// The only file importing onnxruntime-node. onnxruntime-node's session.run returns a promise but runs the
// graph synchronously on the calling thread once a setImmediate fires, so a long batch occupies that
// thread's event loop: callers that must stay responsive (the extension host) run models in the extract worker.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { ModelInfo } from '../model/types';

/** One batch's outputs, copied out of ONNX Runtime's tensors: exactly `batch` rows each. */
export interface InferenceOutputs {
  /** batch x D */
  pooled: Float32Array;
  /** batch x C */
  logits: Float32Array;
  /** batch x D x h x w, or null when not requested or the model has no spatial map. */
  spatial: Float32Array | null;
}

/** Default intra-op thread count: cores - 1, at least 1. */
export function defaultThreads(): number {
  return Math.max(1, availableParallelism() - 1);
}

/** A loaded adapted model; run() is async and yields before computing, but the computation itself runs on the calling thread (see the file comment). */
export class OrtModel {
  private readonly session: ort.InferenceSession;
  private readonly info: ModelInfo;
  /** The batch size the graph's input fixes (models exported without a dynamic batch), or null when dynamic. */
  private readonly fixedBatch: number | null;
  private released = false;

  private constructor(session: ort.InferenceSession, info: ModelInfo) {
    this.session = session;
    this.info = info;
    const meta = session.inputMetadata.find((m) => m.name === info.inputName);
    const b = meta && meta.isTensor ? meta.shape[0] : undefined;
    this.fixedBatch = typeof b === 'number' && b > 0 ? b : null;
  }

  /** Creates a session for bytes from loadModel; when the graph did not state the spatial map's size, one probe image measures it and fills info.spatialShape. */
  static async create(adapted: Uint8Array, info: ModelInfo, opts: { threads: number }): Promise<OrtModel> {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(adapted, {
        intraOpNumThreads: Math.max(1, Math.floor(opts.threads)),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
    } catch (e) {
      throw new Error(`${info.path}: ONNX Runtime could not load the model (${(e as Error).message})`);
    }
    const wanted = [info.pooledOutput, info.logitsOutput, ...(info.spatialOutput ? [info.spatialOutput] : [])];
    const missing = wanted.filter((o) => !session.outputNames.includes(o));
    if (!session.inputNames.includes(info.inputName) || missing.length > 0) {
      await session.release();
      throw new Error(`${info.path}: the session lacks ${missing.length ? `outputs ${missing.join(', ')}` : `input ${info.inputName}`}; pass the bytes loadModel returned, not the original file`);
    }
    const model = new OrtModel(session, info);
    if (info.spatialOutput && !info.spatialShape) {
      const crop = info.card.preprocess.crop;
      const probe = model.fixedBatch ?? 1;
      const out = await model.session.run({ [info.inputName]: new ort.Tensor('float32', new Float32Array(probe * 3 * crop * crop), [probe, 3, crop, crop]) }, [info.spatialOutput]);
      const dims = out[info.spatialOutput].dims;
      if (dims.length === 4 && dims[1] === info.dim) info.spatialShape = [dims[1], dims[2], dims[3]];
    }
    return model;
  }

  /** Runs one batch. input is batch x 3 x crop x crop float32 (may be a view longer than needed); the spatial map is fetched only when wanted. */
  async run(input: Float32Array, batch: number, wantSpatial: boolean): Promise<InferenceOutputs> {
    if (this.released) throw new Error(`${this.info.path}: run() after release()`);
    const crop = this.info.card.preprocess.crop;
    const need = batch * 3 * crop * crop;
    if (!Number.isInteger(batch) || batch < 1 || input.length < need) {
      throw new Error(`${this.info.path}: run() needs batch >= 1 and ${need} input values (batch x 3 x ${crop} x ${crop}); got batch ${batch} and ${input.length} values`);
    }
    const wanted = wantSpatial && this.info.spatialOutput !== null;
    if (this.fixedBatch === null || this.fixedBatch === batch) return this.runOnce(input.subarray(0, need), batch, wanted);
    return this.runInChunks(input.subarray(0, need), batch, wanted, this.fixedBatch);
  }

  private async runOnce(input: Float32Array, batch: number, wantSpatial: boolean): Promise<InferenceOutputs> {
    const crop = this.info.card.preprocess.crop;
    const spatialName = wantSpatial ? this.info.spatialOutput : null;
    const fetches = [this.info.pooledOutput, this.info.logitsOutput, ...(spatialName ? [spatialName] : [])];
    const feed = new ort.Tensor('float32', input, [batch, 3, crop, crop]);
    const out = await this.session.run({ [this.info.inputName]: feed }, fetches);
    const { dim, classes } = this.info;
    const pooled = copyOut(out[this.info.pooledOutput], batch * dim, 'pooled features', this.info.path);
    const logits = copyOut(out[this.info.logitsOutput], batch * classes, 'logits', this.info.path);
    let spatial: Float32Array | null = null;
    if (spatialName) {
      const s = this.info.spatialShape;
      const t = out[spatialName];
      spatial = copyOut(t, s ? batch * s[0] * s[1] * s[2] : t.data.length, 'spatial map', this.info.path);
    }
    return { pooled, logits, spatial };
  }

  /** A graph with a fixed batch size runs the batch in chunks of that size, the last one zero-padded. */
  private async runInChunks(input: Float32Array, batch: number, wantSpatial: boolean, chunk: number): Promise<InferenceOutputs> {
    const per = input.length / batch;
    const { dim, classes } = this.info;
    const parts: InferenceOutputs[] = [];
    for (let start = 0; start < batch; start += chunk) {
      const n = Math.min(chunk, batch - start);
      let slice = input.subarray(start * per, (start + n) * per);
      if (n < chunk) {
        const padded = new Float32Array(chunk * per);
        padded.set(slice);
        slice = padded;
      }
      const r = await this.runOnce(slice, chunk, wantSpatial);
      parts.push({ pooled: r.pooled.subarray(0, n * dim), logits: r.logits.subarray(0, n * classes), spatial: r.spatial ? r.spatial.subarray(0, (r.spatial.length / chunk) * n) : null });
    }
    return {
      pooled: concat(parts.map((p) => p.pooled)),
      logits: concat(parts.map((p) => p.logits)),
      spatial: wantSpatial ? concat(parts.map((p) => p.spatial as Float32Array)) : null,
    };
  }

  /** Frees the native session; the model cannot run afterwards. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

/** Copies a float32 output into a fresh array. onnxruntime-node 1.30 returns fresh exact-size buffers (checked), so this only guards against a later version reusing them; it costs well under 1% of a batch. */
function copyOut(t: ort.Tensor | undefined, expected: number, what: string, path: string): Float32Array {
  if (!t || t.type !== 'float32') throw new Error(`${path}: ONNX Runtime returned no float32 ${what}`);
  const data = t.data as Float32Array;
  if (data.length !== expected) throw new Error(`${path}: ${what} have ${data.length} values (dims [${t.dims.join(', ')}]); expected ${expected}`);
  return data.slice();
}

function concat(arrays: Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) { out.set(a, at); at += a.length; }
  return out;
}

/** A tensor handed to or returned by a RawSession: float32, int32 or int64 data with its dims. */
export interface RawTensor {
  data: Float32Array | Int32Array | BigInt64Array;
  dims: readonly number[];
}

/** A session over a small graph built in code (the head trainer's), with feeds and fetches as plain typed arrays. */
export class RawSession {
  private released = false;
  /** Whether ONNX Runtime writes preallocated outputs in place; null until the first run with one tells. */
  private fillsOutputs: boolean | null = null;

  private constructor(private readonly session: ort.InferenceSession, private readonly label: string) {}

  /** Creates a session for ONNX bytes; `label` names the graph in errors. */
  static async create(bytes: Uint8Array, opts: { threads: number; label: string }): Promise<RawSession> {
    try {
      const session = await ort.InferenceSession.create(bytes, {
        intraOpNumThreads: Math.max(1, Math.floor(opts.threads)),
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      });
      return new RawSession(session, opts.label);
    } catch (e) {
      throw new Error(`${opts.label}: ONNX Runtime could not load the graph (${(e as Error).message})`);
    }
  }

  /**
   * Runs the graph. Feeds wrap the caller's arrays without copying. An output given in `into` is written by ONNX
   * Runtime straight into that array (it must have exactly the output's size), which saves allocating and copying
   * multi-megabyte weights every step; other wanted outputs come back in fresh arrays.
   */
  async run(feeds: Record<string, RawTensor>, wanted: readonly string[], into: Record<string, RawTensor> = {}): Promise<Record<string, RawTensor>> {
    if (this.released) throw new Error(`${this.label}: run() after release()`);
    const toOrt = (t: RawTensor): ort.Tensor => {
      const type = t.data instanceof Float32Array ? 'float32' : t.data instanceof Int32Array ? 'int32' : 'int64';
      return new ort.Tensor(type, t.data, t.dims);
    };
    const feedTensors: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) feedTensors[name] = toOrt(t);
    const fetches: Record<string, ort.Tensor | null> = {};
    for (const name of wanted) fetches[name] = into[name] ? toOrt(into[name]) : null;
    const out = await this.session.run(feedTensors, fetches);
    const result: Record<string, RawTensor> = {};
    for (const name of wanted) {
      const t = out[name];
      if (!t) throw new Error(`${this.label}: ONNX Runtime returned no output ${name}`);
      const dst = into[name];
      if (dst) {
        // onnxruntime-node 1.30 fills our buffer and also returns a copy of it. Check that once per session, and
        // should a later version stop filling it, copy on every run so callers still see the result.
        const got = t.data as RawTensor['data'];
        if (got.buffer !== dst.data.buffer || got.byteOffset !== dst.data.byteOffset) {
          if (this.fillsOutputs === null) this.fillsOutputs = sameValues(got, dst.data);
          if (!this.fillsOutputs) dst.data.set(got as never);
        }
        result[name] = dst;
        continue;
      }
      result[name] = { data: t.data as RawTensor['data'], dims: t.dims };
    }
    return result;
  }

  /** Frees the native session. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

function sameValues(a: RawTensor['data'], b: RawTensor['data']): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/**
 * The graph ONNX Runtime would run for `bytes` after its extended (level 2) optimizations, as ONNX bytes: tells
 * whether this build fuses quantized QDQ patterns into integer kernels. Level 2 is the one with the QDQ fusions and
 * before the hardware-specific layout rewrites, which ORT warns about when asked to save them.
 */
export async function optimizedGraph(bytes: Uint8Array): Promise<Uint8Array> {
  const dir = await mkdtemp(join(tmpdir(), 'spuriosity-ort-'));
  const file = join(dir, 'optimized.onnx');
  try {
    const session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: 1, interOpNumThreads: 1, graphOptimizationLevel: 'extended', optimizedModelFilePath: file, logSeverityLevel: 3,
    });
    await session.release();
    return new Uint8Array(await readFile(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
