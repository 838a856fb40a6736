// The panel's long analyses (core crops, sensitivity, model comparison) run one of each kind at a time, each
// under a cancellable notification like extraction, with the same progress mirrored into the panel.
import * as vscode from 'vscode';
import type { HostToWebview, PanelJob } from '../../shared/protocol';
import { withJob, type JobProgress } from '../progress';

/** What the already-running message calls each job. */
const JOB_NAMES: Record<PanelJob, string> = { compare: 'model comparison', crops: 'core crop run', sensitivity: 'sensitivity measurement', suggest: 'mask suggestion run' };

/** Sends a message to the open panel, if any. */
export type PanelPost = (msg: HostToWebview) => void;

/** Running panel jobs and their cancellation. */
export class PanelJobs {
  private readonly running = new Map<PanelJob, AbortController>();

  constructor(private readonly post: PanelPost) {}

  /** True while a job of this kind runs. */
  isRunning(job: PanelJob): boolean {
    return this.running.has(job);
  }

  /** Cancels the running job of this kind (it stops after its current batch). */
  cancel(job: PanelJob): void {
    this.running.get(job)?.abort();
  }

  /**
   * Runs work under a cancellable notification titled `title`, mirroring progress into the panel; undefined when a
   * job of the same kind is already running (the user is told). Errors propagate after the panel hears the job ended.
   */
  async run<T>(job: PanelJob, scope: { class?: string; feature?: number }, title: string,
    work: (report: (p: JobProgress) => void, signal: AbortSignal) => Promise<T>): Promise<T | undefined> {
    if (this.running.has(job)) {
      void vscode.window.showInformationMessage(`Spuriosity Lens: a ${JOB_NAMES[job]} is already running; cancel it or wait for it to finish.`);
      return undefined;
    }
    const abort = new AbortController();
    this.running.set(job, abort);
    const mirror = (p: JobProgress): void => this.post({ type: 'jobProgress', progress: { job, ...scope, message: p.message, fraction: p.fraction ?? null } });
    mirror({ message: 'starting…' });
    try {
      return await withJob(title, (report, signal) => work((p) => { report(p); mirror(p); }, signal), abort);
    } finally {
      this.running.delete(job);
      this.post({ type: 'jobEnded', job });
    }
  }
}
