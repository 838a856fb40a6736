// Runs extraction (or spatial maps) in a child process so that a native crash or an
// out-of-memory abort in the decoder or ONNX Runtime becomes an error here instead of killing
// the caller (the VS Code extension host). Cancellation sends a cancel message (the child
// stops after its current batch, keeping finished batches cached) and SIGKILLs it after a grace period.
import { fork, type ChildProcess } from 'node:child_process';
import { unpackResult } from './bulkTransfer';
import { isFromWorker, type FromWorker, type SerializedError, type ToWorker } from './ipc';
import type { SpatialRequest, SpatialResult } from './spatialMaps';
import type { CropJobRequest, CropJobResult } from '../crop/cropJob';
import type { SensitivityJobRequest, SensitivityJobResult } from '../sensitivity/job';
import type { TuneJobRequest } from '../train/tuneJob';
import type { EpochRecord, MitigateResult, Schedule } from '../../core/mitigate';
import type { ModelInfo } from '../model/types';
import { ExtractCancelledError, type ExtractProgress, type ExtractRequest, type ExtractResult } from './types';

/** How to start the child. */
export interface ChildOptions {
  /** dist/extractWorker.js, or src/engine/extract/worker.ts (run through tsx) in tests. */
  workerPath: string;
  /** Node flags for the child; default: `--import tsx` for a .ts worker, none otherwise. */
  execArgv?: string[];
  /** Milliseconds between the cancel message and SIGKILL (default 10 s: at least one batch at ResNet-50 speed). */
  graceMs?: number;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

/** Thrown when the child process died without answering. */
export class WorkerCrashError extends Error {
  override name = 'WorkerCrashError';
}

function rebuildError(e: SerializedError): Error {
  if (e.name === 'AbortError') return new ExtractCancelledError(e.message);
  const err = new Error(e.message);
  err.name = e.name;
  if (e.stack) err.stack = e.stack;
  return err;
}

function runJob<T>(job: ToWorker, o: ChildOptions, pick: (m: FromWorker) => Promise<T> | undefined, onProgress?: (p: ExtractProgress) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (o.signal?.aborted) return reject(new ExtractCancelledError());
    const execArgv = o.execArgv ?? (o.workerPath.endsWith('.ts') ? ['--import', 'tsx'] : []);
    let child: ChildProcess;
    try {
      child = fork(o.workerPath, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env: o.env ?? process.env });
    } catch (e) {
      return reject(new Error(`could not start the extraction worker ${o.workerPath}: ${(e as Error).message}`));
    }
    let settled = false;
    let cancelled = false;
    let stderrTail = '';
    let killTimer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      o.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      cancelled = true;
      if (child.connected) child.send({ type: 'cancel' } satisfies ToWorker);
      killTimer = setTimeout(() => child.kill('SIGKILL'), o.graceMs ?? 10_000);
      killTimer.unref();
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    child.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString('utf8')).slice(-2000);
    });
    child.on('message', (m: unknown) => {
      if (!isFromWorker(m)) return;
      if (m.type === 'progress') {
        onProgress?.(m.progress);
        return;
      }
      if (m.type === 'error') return settle(() => reject(rebuildError(m.error)));
      const value = pick(m);
      if (value !== undefined) settle(() => value.then(resolve, reject));
    });
    child.on('error', (e) => settle(() => reject(new Error(`extraction worker ${o.workerPath}: ${e.message}`))));
    child.on('exit', (code, signal) => {
      if (killTimer) clearTimeout(killTimer);
      if (cancelled) return settle(() => reject(new ExtractCancelledError()));
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      const tail = stderrTail.trim().split('\n').slice(-3).join(' | ');
      settle(() => reject(new WorkerCrashError(
        `the extraction worker ${how} before answering: likely a native crash in the image decoder or ONNX Runtime, or out of memory` +
        (tail ? ` (stderr: ${tail})` : '') + '. Finished batches are cached; run again to resume.',
      )));
    });
    child.send(job);
  });
}

/** `extract` in a child process; progress is forwarded, cancellation via opts.signal. */
export function extractInChild(opts: ExtractRequest & ChildOptions & { onProgress?(p: ExtractProgress): void }): Promise<ExtractResult> {
  const { workerPath, execArgv, graceMs, env, signal, onProgress, ...request } = opts;
  return runJob({ type: 'extract', request }, { workerPath, execArgv, graceMs, env, signal }, (m) => (m.type === 'extract-result' ? unpackResult(m.result, m.bulk) : undefined), onProgress);
}

/** `spatialMaps` in a child process. */
export function spatialMapsInChild(opts: SpatialRequest & ChildOptions): Promise<SpatialResult> {
  const { workerPath, execArgv, graceMs, env, signal, ...request } = opts;
  return runJob({ type: 'spatial', request }, { workerPath, execArgv, graceMs, env, signal }, (m) => (m.type === 'spatial-result' ? Promise.resolve(m.result) : undefined));
}

/** The core-cropping job (engine/crop/cropJob.ts) in a child process; progress is forwarded, cancellation via opts.signal. */
export function cropInChild(opts: CropJobRequest & ChildOptions & { onProgress?(p: ExtractProgress): void }): Promise<CropJobResult> {
  const { workerPath, execArgv, graceMs, env, signal, onProgress, ...request } = opts;
  return runJob({ type: 'crop', request }, { workerPath, execArgv, graceMs, env, signal }, (m) => (m.type === 'crop-result' ? Promise.resolve(m.result) : undefined), onProgress);
}

/** The sensitivity job (engine/sensitivity/job.ts) in a child process; progress is forwarded, cancellation via opts.signal. */
export function sensitivityInChild(opts: SensitivityJobRequest & ChildOptions & { onProgress?(p: ExtractProgress): void }): Promise<SensitivityJobResult> {
  const { workerPath, execArgv, graceMs, env, signal, onProgress, ...request } = opts;
  return runJob({ type: 'sensitivity', request }, { workerPath, execArgv, graceMs, env, signal }, (m) => (m.type === 'sensitivity-result' ? Promise.resolve(m.result) : undefined), onProgress);
}

/** Fine-tuning with ONNX Runtime (engine/train/tuneJob.ts) in a child process; each epoch is forwarded, cancellation via opts.signal. */
export function tuneInChild(opts: TuneJobRequest & ChildOptions & { onEpoch?(record: EpochRecord, schedule: Schedule): void }): Promise<MitigateResult> {
  const { workerPath, execArgv, graceMs, env, signal, onEpoch, ...request } = opts;
  return runJob({ type: 'tune', request }, { workerPath, execArgv, graceMs, env, signal }, (m) => {
    if (m.type === 'tune-epoch') onEpoch?.(m.record, m.schedule);
    return m.type === 'tune-result' ? Promise.resolve(m.result) : undefined;
  });
}

/** Loads and adapts a model in a child process and returns its description (compare's up-front model check off the extension host). */
export function modelInfoInChild(opts: { modelPath: string } & ChildOptions): Promise<ModelInfo> {
  const { workerPath, execArgv, graceMs, env, signal, modelPath } = opts;
  return runJob({ type: 'model-info', request: { modelPath } }, { workerPath, execArgv, graceMs, env, signal }, (m) => (m.type === 'model-info-result' ? Promise.resolve(m.result) : undefined));
}
