import * as vscode from 'vscode';
import { jobStatus } from './jobStatus';

/** A progress line in the notification: counts, throughput and time left. */
export interface JobProgress {
  message: string;
  /** Fraction done in [0, 1], when known. */
  fraction?: number;
}

/**
 * Runs long work under a cancellable notification and a status bar item (a dismissed notification leaves the status
 * bar to show and cancel the job); the token becomes an AbortSignal the engine understands.
 */
export async function withJob<T>(title: string, work: (report: (p: JobProgress) => void, signal: AbortSignal) => Promise<T>, abort = new AbortController()): Promise<T> {
  const bar = jobStatus()?.begin(title.replace(/^Spuriosity Lens: /, ''), () => abort.abort());
  try {
    return await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
      const sub = token.onCancellationRequested(() => abort.abort());
      let last = 0;
      try {
        return await work((p) => {
          // withProgress takes increments, the engine reports totals
          const now = p.fraction === undefined ? last : Math.round(p.fraction * 100);
          progress.report({ message: p.message, increment: Math.max(0, now - last) });
          last = Math.max(last, now);
          bar?.update(p.message, p.fraction);
        }, abort.signal);
      } finally {
        sub.dispose();
      }
    });
  } finally {
    bar?.end();
  }
}

/** "1,234 / 5,000 · 87 img/s · 43 s left" */
export function formatRate(done: number, total: number, perSecond: number, etaSeconds: number | null): string {
  const parts = [`${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')}`];
  if (perSecond > 0) parts.push(`${Math.round(perSecond)} img/s`);
  if (etaSeconds !== null && Number.isFinite(etaSeconds)) parts.push(etaSeconds < 90 ? `${Math.ceil(etaSeconds)} s left` : `${Math.ceil(etaSeconds / 60)} min left`);
  return parts.join(' · ');
}
