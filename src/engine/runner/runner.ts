// The one shape of every job runner: a request in, a result out, with cancellation and progress as hooks. An analysis
// takes a Runner and does not know whether the job runs in this process (the CLI, tests) or in a child process (the
// extension host, which must never run inference on its own thread); engine/jobs makes both from its table of jobs.
// This folder imports nothing, so any job's folder can use the shape without a folder-level import loop.

/** What a caller gives a running job: a signal that cancels it, and where its progress goes. */
export interface JobHooks<P = never> {
  signal?: AbortSignal;
  onProgress?(progress: P): void;
}

/** Runs one job: in this process or in a child process; cancelled jobs reject with an AbortError. */
export type Runner<Req, Res, P = never> = (request: Req, hooks?: JobHooks<P>) => Promise<Res>;
