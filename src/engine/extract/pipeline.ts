// Streaming feature extraction: cache lookup, then decode-ahead batches into reusable buffers
// while ONNX Runtime runs the previous batch, each finished batch written to the cache.
import type { ImageEntry } from '../dataset/types';
import { FeatureCache, LookupStatus } from '../cache/featureCache';
import type { CachedFailure } from '../cache/shard';
import { roundThroughFloat16 } from '../cache/float16';
import { ProgressTracker } from './progress';
import { decodeBatch } from './decodeBatch';
import { startDecodePool } from './decodeThreads';
import { availableParallelism } from 'node:os';
import { featureCacheKey, type ModelInfo } from '../model/types';
import { choosePrecision, modelBytesFor } from './precision';
import type { WarmLoadedModel } from '../model/modelInfoCache';
import { ExtractCancelledError, type ExtractDeps, type ExtractFailure, type ExtractOptions, type ExtractResult, type ExtractSummary, type InferenceModel, type InferenceOutputs } from './types';
import { MatrixStore, PredictionStore, type RowStore } from './rowStore';

/** Default images per inference batch. */
export const DEFAULT_BATCH_SIZE = 16;
/** Batch buffers: one in inference, the others being filled by decodes running ahead. */
const SLOTS = 3;
/** Batches that may wait for the disk before inference pauses. */
const MAX_PENDING_WRITES = 2;

/** Decode threads beside `inferenceThreads` ORT threads: the cores left over, at least 1, at most 4. */
export function decodeThreadCount(inferenceThreads: number): number {
  return Math.min(4, Math.max(1, availableParallelism() - inferenceThreads));
}

/** Loads the real native adapters on first use. */
export async function loadDefaultDeps(): Promise<ExtractDeps> {
  return (await import('./defaultDeps')).defaultDeps;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new ExtractCancelledError();
}

/** Extracts pooled features and logits of every image of the dataset, using and filling the cache. */
export async function extract(opts: ExtractOptions): Promise<ExtractResult> {
  const { summary, store } = await extractInto(opts, (n, info) => new MatrixStore(n, info.dim, info.classes));
  return matrixResult(summary, store);
}

/** The result of a run into a MatrixStore: its packed rows, trimmed to the images with features. */
export function matrixResult(summary: Omit<ExtractSummary, 'predicted'>, store: MatrixStore): ExtractResult {
  const m = summary.entries.length;
  const n = store.pooled.length / store.dim;
  return {
    ...summary,
    predicted: store.predictions(m),
    features: m === n ? store.pooled : store.pooled.slice(0, m * store.dim),
    logits: m === n ? store.logits : store.logits.slice(0, m * store.classes),
  };
}

/**
 * Like `extract`, filling the cache the same way, but keeps only each image's predicted class: memory
 * does not grow with n x (D + C), so a command that needs counts and accuracy can run over any dataset size.
 */
export async function extractSummary(opts: ExtractOptions): Promise<ExtractSummary> {
  const { summary, store } = await extractInto(opts, (n, info) => new PredictionStore(n, info.classes));
  return { ...summary, predicted: store.predicted.slice(0, summary.entries.length) };
}

/**
 * The pipeline with the caller's RowStore (made once the model is known; `modelCacheDir` is the model's cache
 * folder): the store receives every image's rows, from the cache or the model. Entries come back in dataset order.
 */
export async function extractInto<S extends RowStore>(opts: ExtractOptions, makeStore: (n: number, info: ModelInfo, modelCacheDir: string) => S): Promise<{ summary: Omit<ExtractSummary, 'predicted'>; store: S }> {
  const t0 = performance.now();
  const { dataset, signal } = opts;
  const deps = opts.deps ?? (await loadDefaultDeps());
  const images = dataset.images;
  const n = images.length;
  const progress = new ProgressTracker(n, opts.onProgress);
  const warnings: string[] = [];

  progress.enter('loading-model');
  throwIfAborted(signal);
  // The warm path (default deps): a stored description when the model file is unchanged, the bytes only on a miss.
  const loaded = deps.loadModelWarm ? await deps.loadModelWarm(opts.modelPath, opts.cacheDir) : eagerLoad(await deps.loadModel(opts.modelPath));
  const { info } = loaded;
  const D = info.dim;
  const C = info.classes;
  // int8 features are cached under the int8 model's own key, apart from float32 ones (see precision.ts).
  const choice = await choosePrecision(opts.precision, info, images, deps.detectInt8, opts.cacheDir);
  info.precision = choice.info;
  if (choice.info.notice) warnings.push(choice.info.notice);

  progress.enter('scanning-cache');
  throwIfAborted(signal);
  let cache: FeatureCache;
  try {
    cache = await FeatureCache.open(opts.cacheDir, { sha256: featureCacheKey(info), dim: D, classes: C }, { shardRows: opts.shardRows });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new Error(`cannot use the feature cache folder ${opts.cacheDir} (${why}): choose a writable folder (CLI --cache DIR)`);
  }
  const store = makeStore(n, info, cache.dir);
  const look = await cache.lookupRows(images, store.fromCache, { retryFailed: opts.retryFailed });
  const status = look.status;
  const failureOf = new Map<number, ExtractFailure>();
  for (const f of look.failures) {
    failureOf.set(f.index, { path: images[f.index].path, rel: f.rel, reason: f.reason as ExtractFailure['reason'], message: f.message });
  }
  progress.cached = look.hits;
  progress.failed = look.failures.length;

  let computed = 0;
  if (look.misses.length > 0) {
    // Session creation (seconds for a ResNet-50) overlaps the first decodes inside runBatches.
    const threads = opts.threads ?? deps.defaultThreads();
    // createModel holds the bytes while the session is built; nothing of ours keeps them (~100 MB for a ResNet-50).
    const modelReady = loaded.adapted()
      .then((adapted) => modelBytesFor(choice, { adapted, info, cacheRoot: opts.cacheDir, threads, pixelLimit: opts.pixelLimit ?? deps.defaultPixelLimit, decodeInto: deps.decodeInto, signal }))
      .then(({ bytes, skipped }) => {
        if (skipped > 0) warnings.push(`int8 calibration left out ${skipped} image(s) that did not decode`);
        return deps.createModel(bytes, info, { threads });
      });
    try {
      computed = await runBatches({ opts, deps, info, modelReady, cache, misses: look.misses, store, status, failureOf, progress, warnings });
    } finally {
      await modelReady.then((m) => m.release(), () => undefined);
    }
  }

  // Keep only images with features, in dataset order, packing rows in place.
  const entries: ImageEntry[] = [];
  for (let i = 0; i < n; i++) if (status[i] === LookupStatus.Hit) entries.push(images[i]);
  const m = store.pack(status);
  const failures = [...failureOf.entries()].sort((a, b) => a[0] - b[0]).map(([, f]) => f);

  for (const p of cache.problems) warnings.push(`${p.file}: ${p.problem}`);
  if (opts.compact !== false && cache.needsCompaction(images)) {
    const failed: CachedFailure[] = [...failureOf.entries()].map(([i, f]) => ({ rel: f.rel, size: images[i].size, mtimeMs: images[i].mtimeMs, reason: f.reason, message: f.message }));
    // With the matrices in memory, compaction writes from them; otherwise it streams the live rows from disk.
    const compacted = store instanceof MatrixStore
      ? cache.compact({ entries, pooled: store.pooled.subarray(0, m * D), logits: store.logits.subarray(0, m * C), failures: failed })
      : cache.compactFromDisk(images);
    await compacted.catch((e: Error) => {
      warnings.push(`could not compact the feature cache in ${cache.dir}: ${e.message}`);
    });
  }

  progress.enter('done');
  return {
    store,
    summary: {
      model: info,
      entries,
      failures,
      skipped: dataset.skipped,
      cacheHits: look.hits,
      computed,
      seconds: (performance.now() - t0) / 1000,
      warnings,
    },
  };
}

interface BatchRun {
  opts: ExtractOptions;
  deps: ExtractDeps;
  info: ModelInfo;
  modelReady: Promise<InferenceModel>;
  cache: FeatureCache;
  misses: number[];
  store: RowStore;
  status: Uint8Array;
  failureOf: Map<number, ExtractFailure>;
  progress: ProgressTracker;
  warnings: string[];
}

/**
 * Runs the missing images through the model; returns how many got features. Batch b decodes
 * into slot b % SLOTS; up to SLOTS - 1 batches decode ahead while the model runs one, so the
 * model does not wait on images as long as decoding keeps up.
 */
async function runBatches(r: BatchRun): Promise<number> {
  const { opts, info, modelReady, cache, misses, store, status, failureOf, progress, warnings } = r;
  // Real decoding goes to worker threads when the entry hosts them (see decodeThreads.ts).
  const pool = !r.deps.threadedDecode ? null : startDecodePool(decodeThreadCount(opts.threads ?? r.deps.defaultThreads()), r.deps.decodeInto);
  const deps: ExtractDeps = pool ? { ...r.deps, decodeInto: pool.decodeInto } : r.deps;
  const images = opts.dataset.images;
  const D = info.dim;
  const pre = info.card.preprocess;
  const imageSize = 3 * pre.crop * pre.crop;
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? DEFAULT_BATCH_SIZE));
  const pixelLimit = opts.pixelLimit ?? deps.defaultPixelLimit;
  const batches: number[][] = [];
  for (let i = 0; i < misses.length; i += batchSize) batches.push(misses.slice(i, i + batchSize));
  const slots = Array.from({ length: Math.min(SLOTS, batches.length) }, () => new Float32Array(batchSize * imageSize));
  const fills: Array<ReturnType<typeof decodeBatch>> = [];
  const startFill = (b: number): void => {
    if (b < batches.length) fills[b] = decodeBatch(deps, images, batches[b], pre, slots[b % slots.length], pixelLimit);
  };
  for (let b = 0; b < slots.length; b++) startFill(b);

  let computed = 0;
  const pendingWrites: Array<Promise<void>> = [];
  try {
    const model = await modelReady;
    progress.enter('extracting', misses.length);
    for (let b = 0; b < batches.length; b++) {
      const filled = await fills[b];
      for (const f of filled.failed) {
        failureOf.set(f.index, { path: images[f.index].path, rel: images[f.index].rel, reason: f.reason, message: f.message });
      }
      progress.failed += filled.failed.length;
      const ok = filled.ok;
      let out: InferenceOutputs | null = null;
      let pooledRows = new Float32Array(0);
      if (ok.length > 0) {
        try {
          out = await model.run(slots[b % slots.length], ok.length, false);
        } catch (e) {
          throw new Error(`inference failed on a batch starting with ${images[ok[0]].path}: ${(e as Error).message}`);
        }
        const batchPooled = out.pooled.slice(0, ok.length * D);
        roundThroughFloat16(batchPooled);
        pooledRows = batchPooled;
        ok.forEach((idx, j) => {
          store.putComputed(idx, batchPooled, out!.logits, j);
          status[idx] = LookupStatus.Hit;
        });
        computed += ok.length;
        progress.computed += ok.length;
      }
      // The slot is free again: start decoding the batch that will use it.
      startFill(b + slots.length);
      const failedKeys: CachedFailure[] = filled.failed.map((f) => ({ ...keyOf(images[f.index]), reason: f.reason, message: f.message }));
      // encodeShard copies the outputs synchronously, so ORT may reuse its buffers afterwards.
      const written = cache.writeBatch(ok.map((i) => images[i]), pooledRows, out?.logits ?? new Float32Array(0), failedKeys);
      pendingWrites.push(written.catch((e: Error) => {
        warnings.push(`could not write to the feature cache in ${cache.dir}: ${e.message}`);
      }));
      // Backpressure: a disk slower than the model must not pile up encoded batches in memory.
      while (pendingWrites.length > MAX_PENDING_WRITES) await pendingWrites.shift();
      progress.emit();
      if (opts.signal?.aborted && b + 1 < batches.length) throw new ExtractCancelledError();
    }
  } finally {
    // Let decodes in flight settle before the buffers go away; keep every finished batch on disk.
    await Promise.allSettled(fills);
    await Promise.all(pendingWrites);
    await pool?.close();
  }
  return computed;
}

/** A loadModel result as a WarmLoadedModel whose bytes are handed over once. */
function eagerLoad(r: { info: ModelInfo; adapted: Uint8Array }): WarmLoadedModel {
  let held: Uint8Array | null = r.adapted;
  return {
    info: r.info,
    fromStore: false,
    adapted: async () => {
      if (!held) throw new Error(`${r.info.path}: the adapted model was already handed over`);
      const b = held;
      held = null;
      return b;
    },
  };
}

function keyOf(e: ImageEntry): { rel: string; size: number; mtimeMs: number } {
  return { rel: e.rel, size: e.size, mtimeMs: e.mtimeMs };
}
