// Messages between the extension (or CLI) and a job's child process. Sent with `serialization: 'advanced'` so typed
// arrays and Maps cross as structured clones. A child serves exactly one job of the table (jobs/table.ts), then exits.
import type { JobName } from './table';

export { serializeError, type SerializedError } from '../runner/errorWire';
import type { SerializedError } from '../runner/errorWire';

/** Parent -> child: run one job of the table, or cancel it (it stops at its next batch or call boundary). */
export type ToWorker =
  | { type: 'run'; job: JobName; request: unknown }
  | { type: 'cancel' };

/** Child -> parent: progress of the job, its result (in the job's wire form), or its error. */
export type FromWorker =
  | { type: 'progress'; progress: unknown }
  | { type: 'result'; result: unknown }
  | { type: 'error'; error: SerializedError };

const typeOf = (v: unknown): unknown => (v as { type?: unknown } | null)?.type;

/** True when v looks like a message from the worker (the channel may carry anything). */
export function isFromWorker(v: unknown): v is FromWorker {
  const t = typeOf(v);
  return t === 'progress' || t === 'result' || t === 'error';
}

/** True when v looks like a message to the worker. */
export function isToWorker(v: unknown): v is ToWorker {
  const t = typeOf(v);
  return t === 'run' || t === 'cancel';
}
