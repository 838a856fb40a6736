// The host's side of the session job: starts the job host's child with the 'session' job and asks it questions.
// The host process holds no feature, only the answers (a page, a card, a report).
import { fork, type ChildProcess } from 'node:child_process';
import type { ExtractProgress } from '../../extract/types';
import { answer, sensitivityServed, tuneServed, type ServedSession, type SessionJobRequest, type SessionProgress, type SessionQuery, type SessionQueryMessage } from './sessionJob';
import { rebuildError, type SerializedError } from '../../runner/errorWire';

/** How one question goes: intermediate events (a tuning run's epochs) and a signal that stops it. */
export interface AskOptions {
  onEvent?(value: unknown): void;
  signal?: AbortSignal;
}

/** An open session, in a child process or (for an in-memory analysis) in this one. */
export interface SessionHandle {
  /** Asks one question; answers come in the order asked (a tuning run goes beside the queue). */
  ask<T = unknown>(query: SessionQuery, opts?: AskOptions): Promise<T>;
  /** Ends the job and the child. */
  close(): Promise<void>;
  /** The child's pid (for measuring it); undefined for a session in this process. */
  readonly pid: number | undefined;
}

/** A handle over a session in this process (the same answers as the child's, e.g. a compared model's analysis). */
export function localSession(s: ServedSession): SessionHandle {
  return {
    pid: undefined,
    ask: async <T>(q: SessionQuery, opts: AskOptions = {}) => (q.kind === 'tune'
      ? tuneServed(s, q, opts.signal ?? new AbortController().signal, (e) => opts.onEvent?.(e))
      : q.kind === 'sensitivity' ? sensitivityServed(s, q, opts.signal ?? new AbortController().signal, (p) => opts.onEvent?.(p))
        : answer(s, q)) as Promise<T>,
    close: async () => undefined,
  };
}

/** Opens the session in a child started from the job host entry (dist/jobWorker.js, or src/engine/jobs/worker.ts with tsx). */
export function openSessionInChild(workerPath: string, request: SessionJobRequest, onProgress?: (p: ExtractProgress) => void, signal?: AbortSignal): Promise<SessionHandle> {
  // a larger young generation: opening 1.33M images allocates millions of short-lived objects, and with the default
  // semi-space the scavenges were a quarter of the open (27 s -> 20 s at 1.33M, for ~100 MB more peak RSS)
  const execArgv = [...(workerPath.endsWith('.ts') ? ['--import', 'tsx'] : []), '--max-semi-space-size=64'];
  const proc: ChildProcess = fork(workerPath, [], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
  let stderrTail = '';
  proc.stderr?.on('data', (d: Buffer) => { stderrTail = (stderrTail + d.toString('utf8')).slice(-2000); });
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void; onEvent?(v: unknown): void }>();
  let nextId = 1;
  let failed: Error | null = null;
  const fail = (e: Error): void => {
    failed = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  const send = (m: unknown): void => {
    if (proc.connected) proc.send(m as object);
  };
  return new Promise<SessionHandle>((resolve, reject) => {
    let ready = false;
    let cancelling = false;
    const cancelled = (): Error => Object.assign(new Error('opening the analysis session was cancelled'), { name: 'AbortError' });
    const onAbort = (): void => {
      if (ready || cancelling) return;
      cancelling = true;
      if (proc.exitCode !== null || !proc.connected) {
        reject(cancelled());
        return;
      }
      // The child stops extracting after its current batch and finishes its cache writes (jobs/serve aborts the job,
      // the pipeline awaits them), then exits: wait for that, so "N of M cached" and a resume see every batch that
      // was reported done (a SIGKILL at once lost the last batch: 720 reported, 688 read back in an e2e run). The
      // exit handler below rejects as cancelled.
      proc.send({ type: 'cancel' });
      setTimeout(() => proc.kill('SIGKILL'), 10_000).unref();
    };
    if (signal?.aborted) {
      reject(cancelled());
      proc.kill('SIGKILL');
      return;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    const handle: SessionHandle = {
      pid: proc.pid,
      ask: <T>(query: SessionQuery, opts: AskOptions = {}) => new Promise<T>((res, rej) => {
        if (failed) return rej(failed);
        const id = nextId++;
        pending.set(id, { resolve: res as (v: unknown) => void, reject: rej, onEvent: opts.onEvent });
        send({ type: 'session-query', id, query } satisfies SessionQueryMessage);
        opts.signal?.addEventListener('abort', () => send({ type: 'session-cancel', id }), { once: true });
      }),
      close: () => new Promise<void>((res) => {
        if (proc.exitCode !== null || !proc.connected) return res();
        proc.once('exit', () => res());
        proc.send({ type: 'cancel' });
        setTimeout(() => proc.kill('SIGKILL'), 5000).unref();
      }),
    };
    proc.on('message', (m: { type?: string; progress?: SessionProgress; error?: SerializedError }) => {
      if (m.type === 'error') {
        if (cancelling && !ready) return; // the cancelled extraction's own error: the exit rejects as cancelled
        // the child's error keeps its name and message (a DatasetNotFoundError stays a user error, shown as the engine wrote it)
        const e = rebuildError(m.error ?? { name: 'Error', message: 'the analysis session failed without a message' }, 'the analysis session');
        if (!ready) reject(e);
        fail(e);
        return;
      }
      if (m.type !== 'progress' || !m.progress) return;
      const p = m.progress;
      if (p.type === 'extract') onProgress?.(p.progress);
      else if (p.type === 'ready') {
        if (cancelling) return; // opened just as it was cancelled: the session is ending, the exit rejects
        ready = true;
        signal?.removeEventListener('abort', onAbort);
        resolve(handle);
      } else if (p.type === 'event') pending.get(p.id)?.onEvent?.(p.value);
      else {
        const waiter = pending.get(p.id);
        pending.delete(p.id);
        if (!waiter) return;
        if (p.error) waiter.reject(rebuildError(p.error, 'the session query'));
        else waiter.resolve(p.value);
      }
    });
    proc.on('exit', (code, sig) => {
      const e = new Error(`the analysis session worker ${sig ? `was killed by ${sig}` : `exited with code ${code}`}${stderrTail.trim() ? ` (stderr: ${stderrTail.trim().split('\n').slice(-3).join(' | ')})` : ''}`);
      if (!ready) reject(cancelling ? cancelled() : e);
      fail(e);
    });
    proc.send({ type: 'run', job: 'session', request });
  });
}
