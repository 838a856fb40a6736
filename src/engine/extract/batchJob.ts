// The frame every model job shares (core crops, feature sensitivity), in whichever process runs it: load the model
// once, run it batch by batch with a cancellation check before each batch, count the work done or failed in one
// ExtractProgress (rate, ETA, throttling), report a decode failure with its file named, and always release the model.
import type { ModelInfo } from '../model/types';
import { failureReason } from './decodeBatch';
import { loadDefaultDeps } from './pipeline';
import { ProgressTracker } from './progress';
import { ExtractCancelledError, type ExtractDeps, type ExtractFailureReason, type ExtractProgress, type InferenceOutputs } from './types';

/** Options of withModel. */
export interface BatchJobOptions {
  modelPath: string;
  deps?: ExtractDeps;
  threads?: number;
  signal?: AbortSignal;
  onProgress?(p: ExtractProgress): void;
  /** Units of work the progress counts (images, or inferences when an image is run several times). */
  total: number;
  /** Message of the AbortError a cancelled job rejects with. */
  cancelMessage: string;
  /** Checks the loaded model before its inference session is created (throw to refuse it). */
  accept?(info: ModelInfo): void;
  /**
   * The job's cache root: the model's description then comes from the warm-path store (engine/model/modelInfoCache,
   * keyed by path, size and mtime), so a job whose results are all cached neither reads nor hashes the model.
   */
  cacheDir?: string;
}

/** What a job body gets: the adapters, the model's description, and counted, cancellable inference. */
export interface BatchJob {
  deps: ExtractDeps;
  info: ModelInfo;
  /** Throws the job's AbortError when the signal has fired. */
  checkCancelled(): void;
  /** Checks cancellation, runs the first `count` images of `input`, counts them as done and reports progress. */
  run(input: Float32Array, count: number, wantSpatial: boolean): Promise<InferenceOutputs>;
  /** Counts `units` of work that will not run (their image failed) and reports progress. */
  skip(units: number): void;
  /** Counts `units` of work that need no inference (a cached result, or nothing left to compute) as done and reports progress. */
  cached(units: number): void;
}

/**
 * Runs `body` with the model's description; the inference session is created at the first `run` (so a body that
 * finds everything cached never starts ONNX Runtime) and released afterwards, even on failure. Progress goes
 * loading-model, extracting, done.
 */
export async function withModel<T>(o: BatchJobOptions, body: (job: BatchJob) => Promise<T>): Promise<T> {
  const deps = o.deps ?? (await loadDefaultDeps());
  const progress = new ProgressTracker(o.total, o.onProgress);
  progress.enter('loading-model');
  const loaded = o.cacheDir !== undefined && deps.loadModelWarm
    ? await deps.loadModelWarm(o.modelPath, o.cacheDir)
    : await deps.loadModel(o.modelPath).then((m) => ({ info: m.info, adapted: async () => m.adapted }));
  const info = loaded.info;
  o.accept?.(info);
  let opening: ReturnType<typeof deps.createModel> | null = null;
  const session = (): ReturnType<typeof deps.createModel> =>
    (opening ??= loaded.adapted().then((bytes) => deps.createModel(bytes, info, { threads: o.threads ?? deps.defaultThreads() })));
  const checkCancelled = (): void => {
    if (o.signal?.aborted) throw new ExtractCancelledError(o.cancelMessage);
  };
  let result: T;
  try {
    progress.enter('extracting', o.total);
    result = await body({
      deps,
      info,
      checkCancelled,
      async run(input, count, wantSpatial) {
        checkCancelled();
        const model = await session();
        const out = await model.run(input, count, wantSpatial);
        progress.computed += count;
        progress.emit();
        return out;
      },
      skip(units) {
        progress.failed += units;
        progress.emit();
      },
      cached(units) {
        progress.cached += units;
        progress.emit();
      },
    });
  } finally {
    // a session that failed to open has nothing to release (its error already reached the body's run)
    if (opening) await (opening as ReturnType<typeof deps.createModel>).then((m) => m.release(), () => undefined);
  }
  progress.enter('done');
  return result;
}

/** A failed image as reported: a machine-readable reason and a message that names the file. */
export function describeFailure(e: unknown, path: string): { reason: ExtractFailureReason; message: string } {
  const message = e instanceof Error ? e.message : String(e ?? 'unknown error');
  return { reason: failureReason(e), message: message.includes(path) ? message : `${path}: ${message}` };
}

/** Moves the rows marked ok (rowSize floats each) to the start of `buffer`, keeping their order; returns how many. */
export function packRows(buffer: Float32Array, rowSize: number, ok: readonly boolean[]): number {
  let n = 0;
  ok.forEach((good, j) => {
    if (!good) return;
    if (n !== j) buffer.copyWithin(n * rowSize, j * rowSize, (j + 1) * rowSize);
    n++;
  });
  return n;
}
