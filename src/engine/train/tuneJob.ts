// The child-process side of a fine-tuning job: mitigateOrt on the problem the parent sent, reporting
// every epoch. ONNX Runtime is loaded on first use, so a worker serving other jobs (or a test's fake
// worker) never loads it for nothing.
import type { EpochRecord, MitigateResult, Schedule } from '../../core/mitigate';
import type { TuneJobOptions, TuneProblem } from './tuneProblem';

/** What the parent sends: the problem's rows and labels, mitigate's options, ONNX Runtime's threads (default: cores - 1). */
export interface TuneJobRequest {
  problem: TuneProblem;
  options: TuneJobOptions;
  threads?: number;
}

/** Runs one tuning job; `signal` stops it between ONNX Runtime calls with the head as it is (stoppedBecause 'aborted'). */
export async function runTuneJob(req: TuneJobRequest, hooks: { signal: AbortSignal; onEpoch(record: EpochRecord, schedule: Schedule): void }): Promise<MitigateResult> {
  const [{ mitigateOrt }, { defaultThreads }] = await Promise.all([import('./ortMitigate'), import('../native/ort')]);
  return mitigateOrt(req.problem, { ...req.options, threads: req.threads ?? defaultThreads(), signal: hooks.signal, onEpoch: hooks.onEpoch });
}
