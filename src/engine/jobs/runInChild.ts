// Runs a job of the table in a child process so that a native crash or an out-of-memory abort in the decoder or
// ONNX Runtime becomes an error here instead of killing the caller (the VS Code extension host). Cancellation sends
// a cancel message (the child stops after its current batch, keeping what it stored) and SIGKILLs it after a grace period.
import { fork, type ChildProcess } from 'node:child_process';
import type { Runner } from '../runner/runner';
import { ExtractCancelledError } from '../extract/types';
import { isFromWorker, type ToWorker } from './ipc';
import { rebuildError } from '../runner/errorWire';
import { JOBS, type Job, type JobName, type ProgressOf, type RequestOf, type ResultOf } from './table';

/** How to start the child. */
export interface ChildOptions {
  /** dist/jobWorker.js, or src/engine/jobs/worker.ts (run through tsx) in tests. */
  workerPath: string;
  /** Node flags for the child; default: `--import tsx` for a .ts worker, none otherwise. */
  execArgv?: string[];
  /** Milliseconds between the cancel message and SIGKILL (default 10 s: at least one batch at ResNet-50 speed). */
  graceMs?: number;
  env?: NodeJS.ProcessEnv;
}

/** Thrown when the child process died without answering. */
export class WorkerCrashError extends Error {
  override name = 'WorkerCrashError';
}

/** Runs job `name` in a child process started from `child.workerPath`; progress is forwarded, cancellation via hooks.signal. */
export function childRunner<N extends JobName>(name: N, child: ChildOptions): Runner<RequestOf<N>, ResultOf<N>, ProgressOf<N>> {
  const spec = JOBS[name] as unknown as Job<RequestOf<N>, ResultOf<N>, ProgressOf<N>, unknown>;
  const { what } = spec;
  const receive = spec.receive ?? ((wire: unknown) => Promise.resolve(wire as ResultOf<N>));
  return (request, hooks = {}) => new Promise<ResultOf<N>>((resolve, reject) => {
    const { signal, onProgress } = hooks;
    if (signal?.aborted) return reject(new ExtractCancelledError(`${what} cancelled`));
    const execArgv = child.execArgv ?? (child.workerPath.endsWith('.ts') ? ['--import', 'tsx'] : []);
    let proc: ChildProcess;
    try {
      proc = fork(child.workerPath, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'], env: child.env ?? process.env });
    } catch (e) {
      return reject(new Error(`could not start the ${what} worker ${child.workerPath}: ${(e as Error).message}`));
    }
    let settled = false;
    let cancelled = false;
    let stderrTail = '';
    let killTimer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void => {
      cancelled = true;
      if (proc.connected) proc.send({ type: 'cancel' } satisfies ToWorker);
      killTimer = setTimeout(() => proc.kill('SIGKILL'), child.graceMs ?? 10_000);
      killTimer.unref();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    proc.stderr?.on('data', (d: Buffer) => {
      stderrTail = (stderrTail + d.toString('utf8')).slice(-2000);
    });
    proc.on('message', (m: unknown) => {
      if (!isFromWorker(m)) return;
      if (m.type === 'progress') return onProgress?.(m.progress as ProgressOf<N>);
      if (m.type === 'error') return settle(() => reject(rebuildError(m.error, what)));
      settle(() => receive(m.result).then(resolve, reject));
    });
    proc.on('error', (e) => settle(() => reject(new Error(`${what} worker ${child.workerPath}: ${e.message}`))));
    proc.on('exit', (code, sig) => {
      if (killTimer) clearTimeout(killTimer);
      if (cancelled) return settle(() => reject(new ExtractCancelledError(`${what} cancelled`)));
      const how = sig ? `was killed by ${sig}` : `exited with code ${code}`;
      const tail = stderrTail.trim().split('\n').slice(-3).join(' | ');
      settle(() => reject(new WorkerCrashError(
        `the ${what} worker ${how} before answering: likely a native crash in the image decoder or ONNX Runtime, or out of memory` +
        (tail ? ` (stderr: ${tail})` : '') + '.' + (spec.onCrash ? ` ${spec.onCrash}` : ''),
      )));
    });
    proc.send({ type: 'run', job: name, request } satisfies ToWorker);
  });
}
