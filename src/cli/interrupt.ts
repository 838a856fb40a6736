// Ctrl-C for commands that run model jobs (crop, sensitivity, compare), the same everywhere: the first press stops
// the job after its current batch and says so, a second one quits at once.

/** The signal to hand to the engine, and dispose() to call when the command is done (removes the handler). */
export interface Interrupt {
  signal: AbortSignal;
  dispose(): void;
}

/** Installs the SIGINT handler until dispose(). */
export function onInterrupt(): Interrupt {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\nspuriosity: cancelling after the current batch (Ctrl-C again to quit now)\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { signal: controller.signal, dispose: () => process.off('SIGINT', onSigint) };
}

/** True for the error a job rejects with when it was cancelled. */
export function isCancelled(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}
