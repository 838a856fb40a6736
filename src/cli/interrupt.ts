// Ctrl-C for commands that run model jobs (crop, sensitivity, compare), the same everywhere: the first press stops
// the job after its current batch and says so, a second one quits at once.
import { CliError } from './errors';

/** The signal to hand to the engine, and dispose() to call when the command is done (removes the handler). */
interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

/** Installs the SIGINT handler until dispose(). */
function onInterrupt(): Interrupt {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nspuriosity: cancelling after the current batch (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** Runs a job with Ctrl-C wired to its signal; a cancelled job becomes a CliError saying `cancelled` (what is kept). */
export async function interruptible<T>(cancelled: string, job: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const interrupt = onInterrupt();
  try {
    return await job(interrupt.signal);
  } catch (e) {
    if (isCancelled(e)) throw new CliError(cancelled);
    throw e;
  } finally {
    interrupt.dispose();
  }
}

/** True for the error a job rejects with when it was cancelled. */
function isCancelled(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}
