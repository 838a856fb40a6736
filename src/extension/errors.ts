import * as vscode from 'vscode';
import { sourceMappedStack } from '../engine/api/jobs';

/**
 * Whether an error is a bug of ours rather than something the user can fix: the engine reports bad input with
 * Error/RangeError and a message naming the file and what is valid, while TypeError, ReferenceError and SyntaxError
 * (or a thrown non-Error) only come from code that went wrong.
 */
export function isProgrammingError(e: unknown): boolean {
  return !(e instanceof Error) || e instanceof TypeError || e instanceof ReferenceError || e instanceof SyntaxError || e instanceof EvalError || e instanceof URIError;
}

/** The log line of a failure: the message for a user error, the stack (for a report) for a programming error. */
export function errorLogLine(where: string, e: unknown): string {
  const message = e instanceof Error ? e.message : String(e);
  // a bug's stack names src/ lines (the bundles' source maps), not positions in the minified dist/*.js
  if (isProgrammingError(e) && e instanceof Error && e.stack) return `${where}: ${sourceMappedStack(e.stack)}`;
  return `${where}: ${message}`;
}

/** Logs a failure (cancellations as info) and shows it as a notification with Show Log. */
export function reportError(log: vscode.LogOutputChannel, where: string, e: unknown): void {
  if (e instanceof Error && e.name === 'AbortError') {
    log.info(`${where}: cancelled`);
    return;
  }
  log.error(errorLogLine(where, e));
  const message = e instanceof Error ? e.message : String(e);
  const shown = isProgrammingError(e) ? `${message} (an internal error: the log has the details)` : message;
  void vscode.window.showErrorMessage(`Spuriosity Lens: ${shown}`, 'Show Log').then((a) => { if (a) log.show(); });
}
