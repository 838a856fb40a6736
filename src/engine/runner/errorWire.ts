// An error as it crosses a process boundary (a job's child, the session child) and back: the name is kept, so a user
// error (DatasetNotFoundError, ...) stays one for the extension and a cancellation stays an AbortError.
// In runner/ (which imports nothing) so that the job host and the session client share it without a folder loop.

/** An error as it crosses the process boundary. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** Turns any thrown value into a SerializedError. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

/** The child's error as the same-named Error here; `what` names the job in a cancellation without a message. */
export function rebuildError(e: SerializedError, what: string): Error {
  const err = new Error(e.message || (e.name === 'AbortError' ? `${what} cancelled` : `${what} failed`));
  err.name = e.name;
  if (e.stack && e.name !== 'AbortError') err.stack = e.stack;
  return err;
}
