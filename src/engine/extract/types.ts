// Types of the extraction pipeline: options, progress, result, and the injectable native adapters.
import type { Dataset, ImageEntry } from '../dataset/types';
import type { ModelInfo, Preprocess } from '../model/types';
import type { Int8Support } from '../model/quantize/int8Support';
import type { WarmLoadedModel } from '../model/modelInfoCache';

/** Why an image produced no features (the decoder's DecodeFailure, or 'error' for anything unexpected). */
export type ExtractFailureReason = 'empty' | 'corrupt' | 'truncated' | 'too-large' | 'unsupported' | 'unreadable' | 'error';

/** An image that could not be used, with a reason a user can act on. */
export interface ExtractFailure {
  path: string;
  rel: string;
  reason: ExtractFailureReason;
  message: string;
}

/** Progress of a run; `done` = cached + computed + failed, out of `total` dataset images. */
export interface ExtractProgress {
  phase: 'loading-model' | 'scanning-cache' | 'extracting' | 'done';
  done: number;
  total: number;
  cached: number;
  failed: number;
  /** Computed images per second so far in this run (0 before the first batch). */
  imagesPerSecond: number;
  etaSeconds: number | null;
}

/** Outputs of one inference batch (rows beyond `batch` are not meaningful). */
export interface InferenceOutputs {
  pooled: Float32Array;
  logits: Float32Array;
  spatial: Float32Array | null;
}

/** A loaded model able to run batches: OrtModel, or a fake in tests. */
export interface InferenceModel {
  run(input: Float32Array, batch: number, wantSpatial: boolean): Promise<InferenceOutputs>;
  release(): Promise<void>;
}

/** The native adapters the pipeline needs, injectable so tests can run without sharp or ONNX Runtime. */
export interface ExtractDeps {
  loadModel(modelPath: string): Promise<{ info: ModelInfo; adapted: Uint8Array }>;
  createModel(adapted: Uint8Array, info: ModelInfo, opts: { threads: number }): Promise<InferenceModel>;
  decodeInto(path: string, pre: Preprocess, out: Float32Array, offset: number, opts: { pixelLimit: number }): Promise<void>;
  defaultThreads(): number;
  defaultPixelLimit: number;
  /** decodeInto is the real sharp adapter, which decode threads can run (see decodeThreads.ts). */
  threadedDecode?: boolean;
  /** Whether int8 can run here (default: CPU flags + ONNX Runtime build check, model/quantize/int8Support.ts); tests inject it. */
  detectInt8?(): Promise<Int8Support>;
  /** loadModel with the warm path (model/modelInfoCache.ts): no read, hash or adaptation of an unchanged model file. */
  loadModelWarm?(modelPath: string, cacheRoot: string): Promise<WarmLoadedModel>;
}

/** Serializable options of an extraction run (what crosses the IPC boundary). */
export interface ExtractRequest {
  dataset: Dataset;
  modelPath: string;
  /** Cache root: features live under `<cacheDir>/<modelSha256>/`. */
  cacheDir: string;
  threads?: number;
  /** Images per inference batch (default 16). */
  batchSize?: number;
  pixelLimit?: number;
  /** Decode images whose failure is cached even though they did not change. */
  retryFailed?: boolean;
  /**
   * Compact the cache afterwards when it needs it (default true). A sharded run sets false: the cache folder may
   * hold other shards' records (a shared folder, or an earlier full run), which a compaction to this shard would drop.
   */
  compact?: boolean;
  /** float32 (default) or int8: the backbone quantized on a seeded sample of this dataset, features cached apart. */
  precision?: 'float32' | 'int8';
}

/** Options of `extract`. */
export interface ExtractOptions extends ExtractRequest {
  signal?: AbortSignal;
  onProgress?(p: ExtractProgress): void;
  /** Native adapters; defaults to sharp + ONNX Runtime. */
  deps?: ExtractDeps;
  /** Rows per compacted cache shard (default: about 16 MB per shard); tests set it small. */
  shardRows?: number;
}

/** What an extraction found, without the feature matrices (they stay in the cache): `extractSummary`. */
export interface ExtractSummary {
  model: ModelInfo;
  /** Images with features, in dataset order; row i of features/logits/predicted belongs to entries[i]. */
  entries: ImageEntry[];
  /** The model's top-1 class (argmax of the logits) of each entry. */
  predicted: Int32Array;
  failures: ExtractFailure[];
  skipped: Dataset['skipped'];
  cacheHits: number;
  computed: number;
  seconds: number;
  /** Non-fatal problems (ignored cache shards, a cache write that failed); always set by extract(). */
  warnings?: string[];
}

/** Features of every usable image of the dataset: `extract`. */
export interface ExtractResult extends ExtractSummary {
  /** n x D pooled features. */
  features: Float32Array;
  /** n x C logits. */
  logits: Float32Array;
}

/** Thrown when a run is cancelled; finished batches stay in the cache. */
export class ExtractCancelledError extends Error {
  override name = 'AbortError';
  constructor(message = 'extraction cancelled') {
    super(message);
  }
}
