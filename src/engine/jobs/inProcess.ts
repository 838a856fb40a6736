// A job of the table run in the calling process: the CLI, tests and benchmarks (never the extension host's thread).
import type { Runner } from '../runner/runner';
import type { ExtractDeps } from '../extract/types';
import { JOBS, type Job, type JobName, type ProgressOf, type RequestOf, type ResultOf } from './table';

/** Runs job `name` in this process (deps: fake adapters in tests; sharp + ONNX Runtime by default). */
export function inProcessRunner<N extends JobName>(name: N, deps?: ExtractDeps): Runner<RequestOf<N>, ResultOf<N>, ProgressOf<N>> {
  const spec = JOBS[name] as unknown as Job<RequestOf<N>, ResultOf<N>, ProgressOf<N>>;
  return (request, hooks = {}) => spec.run(request, { ...hooks, deps });
}
