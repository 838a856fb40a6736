import * as vscode from 'vscode';

/** A running job as the status bar shows it. */
interface RunningJob {
  title: string;
  message: string;
  fraction: number | undefined;
  cancel(): void;
}

/**
 * One status bar item while any long job runs (ranking, crops, sensitivity, tuning): its title and percent; a click
 * lists the running jobs to cancel one or show the log. Hidden when nothing runs.
 */
export class JobStatus implements vscode.Disposable {
  static readonly showCommand = 'spuriosityLens.showJobs';
  private readonly item: vscode.StatusBarItem;
  private readonly jobs = new Map<number, RunningJob>();
  private next = 1;

  constructor(private readonly log: vscode.LogOutputChannel) {
    this.item = vscode.window.createStatusBarItem('spuriosityLens.job', vscode.StatusBarAlignment.Left, 10);
    this.item.name = 'Spuriosity Lens job';
    this.item.command = JobStatus.showCommand;
  }

  /** Registers a job; the returned handle updates and ends it. */
  begin(title: string, cancel: () => void): { update(message: string, fraction?: number): void; end(): void } {
    const id = this.next++;
    this.jobs.set(id, { title, message: '', fraction: undefined, cancel });
    this.render();
    return {
      update: (message, fraction) => {
        const j = this.jobs.get(id);
        if (!j) return;
        j.message = message;
        j.fraction = fraction;
        this.render();
      },
      end: () => {
        this.jobs.delete(id);
        this.render();
      },
    };
  }

  /** The click: pick a running job to cancel, or open the log. */
  async show(): Promise<void> {
    const items: Array<vscode.QuickPickItem & { run(): void }> = [...this.jobs.values()].map((j) => ({
      label: `$(debug-stop) Cancel: ${j.title}`, description: j.message, run: () => j.cancel(),
    }));
    items.push({ label: '$(output) Show Log', run: () => this.log.show() });
    const pick = await vscode.window.showQuickPick(items, { title: this.jobs.size ? 'Spuriosity Lens: running jobs' : 'Spuriosity Lens: no job is running' });
    pick?.run();
  }

  private render(): void {
    const jobs = [...this.jobs.values()];
    if (jobs.length === 0) {
      this.item.hide();
      return;
    }
    const j = jobs[jobs.length - 1];
    const pct = j.fraction === undefined ? '' : ` ${Math.floor(j.fraction * 100)}%`;
    const more = jobs.length > 1 ? ` (+${jobs.length - 1})` : '';
    this.item.text = `$(sync~spin) ${j.title}${pct}${more}`;
    this.item.tooltip = `${jobs.map((x) => `${x.title}${x.message ? `: ${x.message}` : ''}`).join('\n')}\nClick to cancel or show the log.`;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

let status: JobStatus | undefined;

/** Creates the status bar item (once, at activation). */
export function initJobStatus(log: vscode.LogOutputChannel): JobStatus {
  status ??= new JobStatus(log);
  return status;
}

/** The status bar item, when activated (tests of pure helpers run without it). */
export function jobStatus(): JobStatus | undefined {
  return status;
}
