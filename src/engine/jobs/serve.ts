// The child-process side of the IPC protocol: looks the asked job up in the table, runs it, answers, exits.
import type { ExtractDeps } from '../extract/types';
import { isToWorker, serializeError, type FromWorker } from './ipc';
import { isJobName, JOBS, type Job } from './table';

function send(msg: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

/** Serves one job from the parent over the IPC channel, then exits (deps: fake adapters in tests). */
export function serveJobs(deps?: ExtractDeps): void {
  if (!process.send) {
    process.stderr.write('jobWorker: this is a child-process entry; start it with child_process.fork\n');
    process.exit(2);
  }
  const controller = new AbortController();
  let busy = false;
  const finish = async (msg: FromWorker): Promise<void> => {
    await send(msg);
    process.disconnect?.();
    process.exit(0);
  };
  process.on('disconnect', () => {
    // The parent went away: stop at the next batch boundary; finished batches are on disk.
    controller.abort();
    setTimeout(() => process.exit(0), 100).unref();
  });
  process.on('message', (msg: unknown) => {
    if (!isToWorker(msg)) return;
    if (msg.type === 'cancel') return controller.abort();
    if (busy) return;
    busy = true;
    if (!isJobName(msg.job)) {
      void finish({ type: 'error', error: { name: 'Error', message: `unknown job "${String(msg.job)}"; known: ${Object.keys(JOBS).join(', ')}` } });
      return;
    }
    const spec = JOBS[msg.job] as Job<unknown, unknown, unknown, unknown>;
    const ctx = { deps, signal: controller.signal, onProgress: (progress: unknown) => void send({ type: 'progress', progress }) };
    (spec.serve ?? spec.run)(msg.request, ctx)
      .then((result) => finish({ type: 'result', result }), (e: unknown) => finish({ type: 'error', error: serializeError(e) }));
  });
}
