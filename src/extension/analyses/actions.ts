// The panel's on-demand analyses (core crops, feature sensitivity, model comparison): what the panel's
// messages and the palette commands call. Results go to the panel as messages; long runs are PanelJobs.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ImageEntry } from '../../engine/api/extraction';
import type { ComparisonView, HostToWebview, PanelJob } from '../../shared/protocol';
import { announceComparison, pickModels, runComparison } from './compareFlow';
import { exportCrops, ImageCrops, recheckClass } from './cropFlow';
import { PanelJobs } from './panelJobs';
import { childSource, featureSensitivity, inMemorySource, SensitivityCache } from './sensitivityFlow';
import type { SessionHandle } from '../../engine/api/sessionChild';
import { computeSuggestions } from './suggestFlow';
import { ModelLabeling } from './modelLabeling';
import { comparisonView } from '../panel/analysisViews';
import { ReviewMarks, type ReviewTarget } from '../panel/review';
import type { AnalysisTarget } from './target';

export type { AnalysisTarget } from './target';

/** Runs the panel's analyses against the current ranking. */
export class AnalysisActions {
  readonly jobs: PanelJobs;
  private readonly crops: ImageCrops;
  private readonly sensitivity = new SensitivityCache();
  private comparison: { root: string; view: ComparisonView } | null = null;
  /** Which model the Labeling view labels (the ranked one, or a compared one), and the live comparison. */
  readonly labeling: ModelLabeling;
  /** The review file's marks (label error, excluded) on images of the ranked dataset. */
  readonly review: ReviewMarks;

  /**
   * `target` is the ranked dataset with its in-memory session once `load` made it (these analyses need the features
   * in this process; the panel's pages, rankings and gaps come from the session child and never load them); `marks`
   * is what the review file's marks need (the folder, and the re-ranking an exclusion causes).
   */
  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel,
    private readonly target: () => AnalysisTarget | undefined, private readonly post: (m: HostToWebview) => void,
    private readonly uriOf: (path: string) => string | undefined,
    private readonly load: () => Promise<unknown> = async () => undefined, marks: () => ReviewTarget | undefined = () => undefined,
    private readonly child: () => { session: Pick<SessionHandle, 'ask'>; sha256: string } | undefined = () => undefined) {
    this.jobs = new PanelJobs(post);
    this.crops = new ImageCrops(context, target, post, log);
    this.review = new ReviewMarks(marks);
    this.labeling = new ModelLabeling(context, log, target, post, (report) => {
      const t = this.target();
      if (!t) return;
      this.comparison = { root: t.root, view: comparisonView(report, basename(t.root)) };
      this.post({ type: 'comparison', comparison: this.comparison.view });
    });
  }

  /** A new ranking (another dataset, model or settings): measured sensitivities no longer apply. */
  reset(): void {
    this.sensitivity.clear();
    this.labeling.reset();
  }

  /** Images were excluded or brought back: rankings changed, so measured sensitivities are stale. */
  exclusionsChanged(): void {
    this.sensitivity.clear();
  }

  /** A label of the class changed: its cached sensitivities are stale. */
  labelChanged(cls: string): void {
    this.sensitivity.dropClass(cls);
    this.labeling.labelsChanged();
  }

  /** Messages a freshly loaded panel needs besides the state: the last comparison of this dataset. */
  replay(): void {
    const t = this.target();
    if (this.comparison && t && this.comparison.root === t.root) {
      this.post({ type: 'comparison', comparison: this.comparison.view });
      this.labeling.send();
    }
  }

  /** Cancels a panel job. */
  cancel(job: PanelJob): void {
    this.jobs.cancel(job);
  }

  /** Computes one image's core crop for the detail view (answered with an imageCrop message). */
  imageCrop(id: string): void {
    void this.load().then(() => this.crops.request(id), (e: Error) => this.log.error(`Core crop of ${id}: ${e.message}`));
  }

  /** Re-checks a class's highest-spuriosity images on their core crops and sends the result. */
  async recheck(cls: string): Promise<void> {
    await this.load();
    const t = this.target();
    if (!t) return;
    const thumb = async (id: string): Promise<string> => {
      const i = t.session.indexOf(id);
      const entry: ImageEntry | undefined = i === undefined ? undefined : t.session.entries[i];
      return entry ? this.uriOf(await t.previews.ensure(entry)) ?? '' : '';
    };
    const r = await recheckClass(this.context, this.jobs, t, cls, thumb, this.log);
    if (r) {
      this.post({ type: 'cropRecheck', recheck: r });
      this.log.info(`Core crops of ${cls}: ${r.counts.changed} of ${r.counts.cropped} cropped images changed prediction (${r.counts.fixed} fixed, ${r.counts.broken} broken)`);
    }
  }

  /** Exports crops of one class, or asks which classes (negative-gap ones preselected). */
  async exportCrops(cls?: string): Promise<void> {
    await this.load();
    const t = this.target();
    if (!t) return;
    let classes = cls ? [cls] : undefined;
    if (!classes) {
      const negative = new Set(t.session.gaps.classes.filter((g) => g.negative).map((g) => t.session.classNames[g.cls]));
      const picked = await vscode.window.showQuickPick(t.dataset.classes.map((c) => ({ label: c, picked: negative.has(c), description: negative.has(c) ? 'negative gap' : undefined })),
        { canPickMany: true, title: 'Spuriosity Lens: export core crops of which classes? (every image of each)' });
      if (!picked?.length) return;
      classes = picked.map((p) => p.label);
    }
    await exportCrops(this.context, this.jobs, t, classes, this.log);
  }

  /** Sends the sensitivity of a (class, feature), measuring it first unless cached. */
  async sensitivityOf(cls: string, feature: number): Promise<void> {
    // the labeling view asks about the features of the model it labels: a compared one is analysed in this process
    // (with the comparison); the ranked one's session child measures it, so nothing is loaded here
    const compared = this.labeling.comparedSession();
    const ranked = this.child();
    const source = compared ? inMemorySource(this.context, compared) : ranked && childSource(ranked.session, ranked.sha256);
    if (!source) return;
    const v = await featureSensitivity(this.jobs, this.sensitivity, source, cls, feature, this.log);
    if (v) this.post({ type: 'sensitivity', result: v });
  }

  /**
   * Asks which models, compares them on the current dataset, and sends the comparison; true when one was made.
   * `picked` runs once the models are chosen (e.g. to reveal the panel: revealing it earlier would take the focus
   * from the picker and close it).
   */
  async compare(picked?: () => void): Promise<boolean> {
    await this.load();
    const t = this.target();
    if (!t) return false;
    if (this.jobs.isRunning('compare')) {
      void vscode.window.showInformationMessage('Spuriosity Lens: a model comparison is already running; cancel it or wait for it to finish.');
      return false;
    }
    const models = await pickModels(this.context, t.modelPath, t.root);
    if (!models) return false;
    picked?.();
    const run = await runComparison(this.context, this.jobs, t, models, this.log);
    if (!run) return false;
    this.comparison = { root: t.root, view: run.view };
    this.post({ type: 'comparison', comparison: run.view });
    this.labeling.setComparison(t.root, run.live, run.options);
    announceComparison(run, basename(t.root), (sha) => void this.labelModel(sha));
    return true;
  }

  /**
   * Computes mask suggestions for the ranked model (a panel job in a child process); the panel's cards are dropped so
   * their badges are re-read. True when a file was written.
   */
  async suggest(): Promise<boolean> {
    await this.load();
    const t = this.target();
    if (!t) return false;
    const r = await computeSuggestions(this.context, this.jobs, t, this.log);
    if (!r) return false;
    this.post({ type: 'suggestionsChanged' });
    const bad = r.badMasks ? `; ${r.badMasks} image(s) had no usable mask (see the log)` : '';
    this.post({ type: 'notify', level: r.badMasks ? 'warning' : 'info', message: `Mask suggestions: ${r.confident} of ${r.pairs} features have a confident suggestion${bad}. Enter accepts one; a person's labels are kept.` });
    return true;
  }

  /** Opens the Labeling view on a model of the comparison (the Models tab's and the notification's "Label" buttons). */
  async labelModel(sha256: string | null): Promise<void> {
    this.post({ type: 'showTab', tab: 'labeling' });
    if (sha256 !== null) await this.load();
    await this.labeling.select(sha256);
  }
}
