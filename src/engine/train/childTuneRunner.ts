// An OrtTuneRunner that sends the tuning job to a child process (the extension host must never run ONNX Runtime).
import { tuneInChild, type ChildOptions } from '../extract/runInChild';
import type { OrtTuneRunner } from './tuneProblem';

/** Runs each tuning job in its own child process started from `o.workerPath`; epochs are forwarded; a cancel stops it after the current ONNX Runtime call (SIGKILL after the grace period). */
export function childTuneRunner(o: Pick<ChildOptions, 'workerPath' | 'execArgv' | 'env' | 'graceMs'>): OrtTuneRunner {
  return (problem, options, hooks) => tuneInChild({ ...o, problem, options, signal: hooks.signal, onEpoch: hooks.onEpoch });
}
