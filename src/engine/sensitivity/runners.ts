// Where the sensitivity job runs: in this process (the CLI, tests), or in the extraction worker child (the
// extension host, which must not run inference or native decoding on its own thread).
import { sensitivityInChild, type ChildOptions } from '../extract/runInChild';
import { runSensitivityJob, type SensitivityDeps } from './job';
import type { SensitivityRunner } from './analyze';

/** Runs the job in the calling process (deps default to sharp + ONNX Runtime). */
export function inProcessRunner(deps?: SensitivityDeps): SensitivityRunner {
  return (request, control) => runSensitivityJob({ ...request, deps, signal: control.signal, onProgress: control.onProgress });
}

/** Runs the job in a child process started from `child.workerPath` (dist/extractWorker.js); cancellation stops it after the current batch. */
export function childRunner(child: Omit<ChildOptions, 'signal'>): SensitivityRunner {
  return (request, control) => sensitivityInChild({ ...request, ...child, signal: control.signal, onProgress: control.onProgress });
}
