import { basename, dirname, join } from 'node:path';
import * as vscode from 'vscode';
import {
  type AnalysisSession, openAnalysis, openDataset, MemoryLabelStore, openLabelStore,
} from '../engine/api/analysis';
import { type Dataset, type ImageEntry, type ExtractProgress, INT8_NOTICE_PREFIX } from '../engine/api/extraction';
import {
  openSessionInChild, type SessionHandle, type SessionOpened, type SessionOverview,
} from '../engine/api/sessionChild';
import { HeatmapCache, ThumbnailCache, defaultSuggestionPath } from '../engine/api/stores';
import type { LabelOrigin } from '../core/annotations';
import type { CancelTarget, ExportKind, FeatureLabel, TuningMethod, PanelState, SpuriousSubtype } from '../shared/protocol';
import type { PanelBackend } from './panel/backend';
import { LensPanel } from './panel/lensPanel';
import { reviewedExclusions } from './panel/review';
import { fromProtocolLabel, panelState } from './panel/viewModel';
import { configuredModel, pickModel } from './modelChoice';
import { formatRate, withJob } from './progress';
import { readSettings, type LensSettings } from './settings';
import { cacheDirFor, KnownDatasets } from './storage';
import { runExtraction, spatialMapSource } from './engineClient';
import { confirmTuning, exportTunedHead, loadTunedHead, MitigationMemory, runMitigationJob, saveTunedHead, tuneCheck, type SavedMitigation, type TunedHead } from './mitigation';
import { jobStatus } from './jobStatus';
import { pickDataset } from './datasetPick';
import { reportError } from './errors';
import { AnalysisActions } from './analyses/actions';
import { fromPoints } from '../core/vocabulary';

/** Preview size for the image detail view: large enough to inspect, small enough to cache for every image. */
const PREVIEW_SIZE = 448;

/**
 * One ranked dataset: its analysis session (in the session child: this process holds no feature and no image list,
 * only the overview and the answers it asked for) and its caches. `memory` is an in-memory copy of the analysis,
 * loaded only for core crops, sensitivity, model comparison and the HTML report, which still need features here.
 */
export interface Ranked {
  root: string;
  session: SessionHandle;
  /** The session's overview, refreshed after every change (labels, exclusions). */
  overview: SessionOverview;
  /** Images named by the answers shown so far (the webview can only name those). */
  served: Map<string, ImageEntry>;
  memory?: Promise<{ dataset: Dataset; session: AnalysisSession }>;
  loaded?: { dataset: Dataset; session: AnalysisSession };
  cacheDir: string;
  modelPath: string;
  thumbs: ThumbnailCache;
  previews: ThumbnailCache;
  heatmaps: HeatmapCache;
  /** Fine-tuning results of this dataset and model (restored after a reload) and the head of the newest run. */
  mitigation: SavedMitigation;
  tuned?: TunedHead;
}

/** Analyses kept in memory at once; switching back to an older one reopens it from the feature cache. */
const MAX_OPEN = 3;
/** Shortest interval between panel refreshes while a ranking reports progress. */
const PROGRESS_PUSH_MS = 1000;

/** A ranking in progress, as the panel, the Spuriosity view and a cancel message need it. */
export interface RankingJob {
  root: string;
  modelPath: string;
  abort: AbortController;
  progress?: ExtractProgress;
}

const keyOf = (root: string, modelPath: string) => `${modelPath}\u0000${root}`;

/** Owns the ranked datasets (several at once), runs the long jobs, and serves the panel the current one. */
export class LensController implements PanelBackend {
  private current: Ranked | undefined;
  /** Open analyses by model + root, least recently used first. */
  private readonly open = new Map<string, Ranked>();
  private readonly ranking = new Map<string, { job: RankingJob; done: Promise<Ranked | undefined> }>();
  private mitigationAbort: AbortController | undefined;
  private lastProgressPush = 0;
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires when the open analyses, the current one or a ranking's progress change (the Spuriosity view listens). */
  readonly onDidChange = this.changed.event;
  readonly known: KnownDatasets;
  private readonly memory: MitigationMemory;
  /** Core crops, feature sensitivity and model comparison, on demand. */
  readonly analyses: AnalysisActions;

  constructor(private readonly context: vscode.ExtensionContext, readonly log: vscode.LogOutputChannel) {
    this.known = new KnownDatasets(context.workspaceState);
    this.memory = new MitigationMemory(context.workspaceState);
    this.analyses = new AnalysisActions(context, log, () => this.analysisTarget(), (m) => void LensPanel.active?.post(m),
      (p) => LensPanel.active?.panel.webview.asWebviewUri(vscode.Uri.file(p)).toString(),
      () => (this.current ? this.inMemory(this.current) : Promise.resolve(undefined)),
      () => {
        const c = this.current;
        return c ? { root: c.root, setExcluded: (ids: string[]) => this.setExcluded(c, ids) } : undefined;
      },
      () => (this.current ? { session: this.current.session, sha256: this.current.overview.model.sha256 } : undefined));
  }

  get extensionUri(): vscode.Uri {
    return this.context.extensionUri;
  }

  /** The analysis the panel shows. */
  get active(): Ranked | undefined {
    return this.current;
  }

  /** Whether an analysis of root (with modelPath, or any model) is in memory. */
  isOpen(root: string, modelPath?: string): boolean {
    return [...this.open.values()].some((r) => r.root === root && (!modelPath || r.modelPath === modelPath));
  }

  /** Rankings running now. */
  runningJobs(): RankingJob[] {
    return [...this.ranking.values()].map((r) => r.job);
  }

  /**
   * Discovers, extracts (in a child process, cache-first) and analyses a dataset, then shows it in the panel. Other
   * open analyses stay open; a second request for a ranking already running joins it. Undefined when cancelled
   * (the user is told how far it got and can resume) or when no model was chosen.
   */
  async rank(root: string, tab: 'overview' | 'labeling' | null = 'overview', modelOverride?: string): Promise<Ranked | undefined> {
    const settings = readSettings();
    const modelPath = modelOverride ?? configuredModel(settings) ?? (await pickModel(this.context.extensionUri));
    if (!modelPath) return undefined;
    const key = keyOf(root, modelPath);
    let run = this.ranking.get(key);
    if (!run) {
      const job: RankingJob = { root, modelPath, abort: new AbortController() };
      run = { job, done: this.openRanked(job, settings).finally(() => { this.ranking.delete(key); this.changed.fire(); LensPanel.active?.pushState(); }) };
      this.ranking.set(key, run);
      this.changed.fire();
    }
    let r: Ranked | undefined;
    try {
      r = await run.done;
    } catch (e) {
      if (!(e instanceof Error && e.name === 'AbortError')) throw e;
      this.stopped(run.job, tab ?? 'overview', modelOverride);
      return undefined;
    }
    // null: keep the panel's own tab (a panel restored after a reload)
    if (r) await this.activate(r, tab ?? undefined);
    return r;
  }

  /** Shows an open analysis (or reopens it from the cache) in the panel: the Spuriosity view's click. */
  async show(root: string, modelPath?: string): Promise<Ranked | undefined> {
    const open = [...this.open.values()].reverse().find((r) => r.root === root && (!modelPath || r.modelPath === modelPath));
    if (open) {
      await this.activate(open, undefined);
      return open;
    }
    return this.rank(root, 'overview', modelPath);
  }

  /**
   * Opens the analysis session in its child (discovery, cache-first extraction and the out-of-core analysis all run
   * there; a fitted head is analysed in memory, in the child too), then keeps only its overview.
   */
  private async openRanked(job: RankingJob, settings: LensSettings): Promise<Ranked | undefined> {
    const { root, modelPath } = job;
    const cacheDir = cacheDirFor(this.context, root, settings);
    const name = basename(root);
    const workerPath = vscode.Uri.joinPath(this.context.extensionUri, 'dist', 'jobWorker.js').fsPath;
    const excluded = await reviewedExclusions(root, this.log);
    const session = await withJob(`Spuriosity Lens: ranking ${name}`, (report, signal) => openSessionInChild(workerPath, {
      root, modelPath, cacheDir, threads: settings.threads || undefined, pixelLimit: settings.pixelLimit, precision: settings.precision,
      annotations: { root },
      // with cacheLocation "dataset" our own .spuriosity/ folder is inside the dataset: the child leaves it out of discovery
      options: { headMode: settings.headMode, grouping: settings.grouping, topK: settings.topFeatures, gapK: settings.gapK, excluded },
    }, (p) => {
      job.progress = p;
      this.progressed();
      report({
        message: p.phase === 'extracting' ? formatRate(p.done, p.total, p.imagesPerSecond, p.etaSeconds) : p.phase.replace('-', ' '),
        fraction: p.total ? p.done / p.total : undefined,
      });
    }, signal), job.abort);
    try {
      const [opened, overview] = await Promise.all([session.ask<SessionOpened>({ kind: 'opened' }), session.ask<SessionOverview>({ kind: 'overview' })]);
      this.log.info(`Dataset ${root}: ${opened.images} images, ${opened.classes} classes (${opened.layout}); ${opened.skippedCount} files skipped`);
      for (const sk of opened.skipped) this.log.debug(`skipped ${sk.path}: ${sk.reason}${sk.detail ? ` (${sk.detail})` : ''}`);
      this.reportFailures(opened);
      // spuriosityLens.precision int8 where the integer kernels are missing: float32 ran; say so once.
      const notice = opened.warnings.find((w) => w.startsWith(INT8_NOTICE_PREFIX));
      if (notice) {
        this.log.warn(notice);
        void vscode.window.showWarningMessage(`Spuriosity Lens: ${notice}`);
      }
      if (overview.unmapped.length) this.log.warn(`Classes not in the model's labels: ${overview.unmapped.join(', ')}`);
      this.log.info(`Ranked ${name}: ${opened.computed} images computed, ${opened.cacheHits} from cache, head: ${overview.headSource}, ${overview.outOfCore ? 'out of core' : 'in memory'} in the session process (pid ${session.pid})`);
      const decode = { pixelLimit: settings.pixelLimit };
      const model = overview.model;
      return {
        root, session, overview, served: new Map(), cacheDir, modelPath,
        thumbs: new ThumbnailCache(join(cacheDir, 'thumbs'), decode),
        previews: new ThumbnailCache(join(cacheDir, 'previews'), decode, PREVIEW_SIZE),
        heatmaps: new HeatmapCache(join(cacheDir, 'heatmaps'), model.sha256, model.preprocess, decode,
          spatialMapSource(this.context, modelPath, cacheDir, settings.threads || undefined)),
        mitigation: this.memory.load(root, model.sha256),
      };
    } catch (e) {
      await session.close();
      throw e;
    }
  }

  /**
   * The in-memory copy of an analysis, for the analyses that still need features in this process (core crops,
   * sensitivity, model comparison, the HTML report): loaded on first use, with the labels and exclusions the session
   * has (its label store is a copy in memory: the session child owns the annotation file).
   */
  inMemory(c: Ranked): Promise<{ dataset: Dataset; session: AnalysisSession }> {
    c.memory ??= (async () => {
      const settings = readSettings();
      const dataset = await openDataset(c.root, c.cacheDir);
      const opened = await openAnalysis({
        dataset, modelPath: c.modelPath, cacheDir: c.cacheDir, threads: settings.threads || undefined, pixelLimit: settings.pixelLimit, precision: settings.precision,
        options: { headMode: settings.headMode, grouping: settings.grouping, topK: settings.topFeatures, gapK: settings.gapK, excluded: await reviewedExclusions(c.root, this.log) },
        runExtract: (request) => withJob(`Spuriosity Lens: loading ${basename(c.root)}'s features for this analysis`, (_report, signal) => runExtraction(this.context, { ...request, signal })),
        openLabels: async (model) => new MemoryLabelStore((await openLabelStore(c.root, model)).entries()),
      });
      this.log.info(`Loaded ${basename(c.root)}'s features into the extension host for crops / sensitivity / comparison (${opened.session.entries.length} images)`);
      c.loaded = { dataset, session: opened.session };
      return c.loaded;
    })();
    c.memory.catch(() => { c.memory = undefined; });
    return c.memory;
  }

  /** The current dataset as the in-memory analyses see it, once inMemory loaded it. */
  private analysisTarget() {
    const c = this.current;
    return c?.loaded ? { root: c.root, dataset: c.loaded.dataset, session: c.loaded.session, cacheDir: c.cacheDir, modelPath: c.modelPath, previews: c.previews } : undefined;
  }

  /** Leaves these images out (the review tab's exclusions): the session re-ranks; an in-memory copy follows. */
  private async setExcluded(c: Ranked, ids: string[]): Promise<void> {
    c.overview = await c.session.ask<SessionOverview>({ kind: 'setExcluded', ids });
    c.loaded?.session.setExcluded(ids);
  }

  /** Makes r the panel's analysis; the least recently used beyond MAX_OPEN is dropped (its cache stays on disk). */
  private async activate(r: Ranked, tab: 'overview' | 'labeling' | undefined): Promise<void> {
    const key = keyOf(r.root, r.modelPath);
    for (const [k, o] of this.open) {
      if (o.root !== r.root || o.modelPath !== r.modelPath || o === r) continue;
      // a re-rank of the same dataset and model replaces it: its session child ends
      this.open.delete(k);
      void o.session.close();
    }
    this.open.delete(key);
    this.open.set(key, r);
    for (const [k, o] of this.open) {
      if (this.open.size <= MAX_OPEN) break;
      if (o !== r) {
        this.open.delete(k);
        void o.session.close();
      }
    }
    if (this.current !== r) this.analyses.reset();
    this.current = r;
    await this.known.touch(r.root, { path: r.modelPath, name: r.overview.model.name ?? basename(r.modelPath) }, r.overview.images);
    LensPanel.active?.refreshRoots(); // the dataset's caches must become loadable
    LensPanel.show(this, this.log, tab);
    this.changed.fire();
  }

  /** After a cancelled ranking: how far it got (what is cached stays), and a Resume button. */
  private stopped(job: RankingJob, tab: 'overview' | 'labeling', modelOverride?: string): void {
    const p = job.progress;
    const n = (x: number) => x.toLocaleString('en-US');
    const how = p && p.total ? `${n(Math.max(0, p.done - p.failed))} of ${n(p.total)} images cached` : 'nothing cached yet';
    this.log.info(`Ranking ${job.root} stopped: ${how}`);
    void vscode.window.showInformationMessage(`Spuriosity Lens: stopped ranking ${basename(job.root)}: ${how}; run Rank Dataset again to resume.`, 'Resume')
      .then((a) => { if (a) void this.rank(job.root, tab, modelOverride).catch((e) => reportError(this.log, 'resume', e)); });
  }

  /** A ranking reported progress: refresh the Spuriosity view and (throttled) the panel's progress bar. */
  private progressed(): void {
    const now = Date.now();
    if (now - this.lastProgressPush < PROGRESS_PUSH_MS) return;
    this.lastProgressPush = now;
    this.changed.fire();
    LensPanel.active?.pushState();
  }

  /** Cancels every running ranking (the panel's Cancel extraction). */
  cancelRankings(root?: string): void {
    for (const { job } of this.ranking.values()) if (!root || job.root === root) job.abort.abort();
  }

  /** The ranked dataset, ranking the given (or remembered, or asked-for) folder first when needed. */
  async ensureRanked(root?: string, tab?: null): Promise<Ranked | undefined> {
    if (root && this.current?.root === root) return this.current;
    if (root) return this.rank(root, tab === null ? null : 'overview');
    if (this.current) return this.current;
    const known = this.known.list();
    const pick = known.length === 1 ? known[0] : await pickDataset(known, 'Spuriosity Lens: which dataset?');
    return pick ? this.rank(pick) : undefined;
  }

  private reportFailures(ex: SessionOpened): void {
    for (const f of ex.failures) this.log.warn(`Could not use ${f.path}: ${f.reason}: ${f.message}`);
    if (ex.failureCount > ex.failures.length) this.log.warn(`… and ${ex.failureCount - ex.failures.length} more image(s) that could not be used`);
    if (ex.failureCount) {
      void vscode.window.showWarningMessage(`Spuriosity Lens: ${ex.failureCount} image(s) could not be read and were left out; the rest were ranked.`, 'Show Log')
        .then((a) => { if (a) this.log.show(); });
    }
  }

  // ---- PanelBackend ----

  /** Webview-loadable folders. */
  resourceRoots(): vscode.Uri[] {
    const roots = [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')];
    // only the image caches, not the feature shards or annotations beside them
    if (this.current) for (const c of [this.current.thumbs, this.current.previews, this.current.heatmaps]) roots.push(vscode.Uri.file(c.dir));
    return roots;
  }

  /** The current analysis session (in its child). */
  session(): SessionHandle | undefined {
    return this.current?.session;
  }

  /** The current analysis's overview. */
  overview(): SessionOverview | undefined {
    return this.current?.overview;
  }

  /** Records images an answer named. */
  remember(entries: ImageEntry[]): void {
    const c = this.current;
    if (!c) return;
    // bounded: the ids of recent pages, cards and queues are what the webview can still name
    if (c.served.size > 50_000) c.served.clear();
    for (const e of entries) c.served.set(e.rel, e);
  }

  /** The panel snapshot. */
  state(): PanelState | undefined {
    const c = this.current;
    if (!c) return undefined;
    const settings = readSettings();
    const state = panelState(c.overview, basename(c.root), { ...c.mitigation.state, tuneK: settings.tuneK, gapThresholdPoints: settings.gapThreshold });
    // a ranking in progress (of this or another dataset) shows in the overview's progress bar, with its Cancel
    const p = this.runningJobs().find((j) => j.progress?.phase === 'extracting')?.progress;
    return p ? { ...state, extraction: { split: 'train', done: p.done, total: p.total, rate: p.imagesPerSecond || null } } : state;
  }

  thumbs() { return this.current?.thumbs; }
  previews() { return this.current?.previews; }
  heatmaps() { return this.current?.heatmaps; }

  /**
   * Resolves an image id the panel was shown; anything else is refused and logged (the webview is untrusted, and it
   * only knows ids our answers gave it).
   */
  entry(id: string): ImageEntry | undefined {
    const e = this.current?.served.get(id);
    if (!e) this.log.warn(`Refused a request for "${id}": not an image of the ranked dataset shown in the panel`);
    return e;
  }

  /** The ranked model's mask suggestions file (beside its annotations: `spuriosity annotations suggest` writes it). */
  suggestionsPath(): string | undefined {
    const c = this.current;
    return c ? defaultSuggestionPath(c.root, c.overview.model.sha256) : undefined;
  }

  /** Saves a label at once and re-ranks its class. */
  async setLabel(cls: string, feature: number, label: FeatureLabel | null, subtype?: SpuriousSubtype, origin?: LabelOrigin): Promise<void> {
    const c = this.current;
    if (!c) return;
    const verdict = fromProtocolLabel(label, subtype);
    if (verdict && origin) verdict.origin = origin;
    c.overview = await c.session.ask<SessionOverview>({ kind: 'setLabel', cls, feature, verdict });
    await c.loaded?.session.setLabel(cls, feature, verdict);
    this.analyses.labelChanged(cls);
  }

  /** Fine-tunes the head with one method (after the guards), streaming per-epoch points to the panel; results are kept across reloads. */
  async runMitigation(method: TuningMethod): Promise<void> {
    const c = this.current;
    if (!c || c.mitigation.state.running) return;
    const settings = readSettings();
    if (!(await confirmTuning(await tuneCheck(c.session, method, { k: settings.tuneK, gapThreshold: fromPoints(settings.gapThreshold) })))) return;
    const abort = new AbortController();
    this.mitigationAbort = abort;
    const bar = jobStatus()?.begin(`fine-tuning ${basename(c.root)}`, () => abort.abort());
    const m = c.mitigation;
    m.state = { ...m.state, running: method, history: [] };
    LensPanel.active?.pushState();
    try {
      const out = await runMitigationJob(c.session, method, { k: settings.tuneK, gapThreshold: fromPoints(settings.gapThreshold), signal: abort.signal, threads: settings.threads || undefined }, (point, maxEpochs) => {
        m.state = { ...m.state, maxEpochs, history: [...m.state.history, point] };
        bar?.update(`epoch ${point.epoch} of ${maxEpochs}`, maxEpochs ? point.epoch / maxEpochs : undefined);
        if (this.current === c) void LensPanel.active?.post({ type: 'mitigationProgress', method, point });
      });
      c.tuned = out.tuned;
      m.state = { ...m.state, results: [...m.state.results.filter((r) => r.method !== method), out.result] };
      await saveTunedHead(c.cacheDir, out.tuned).catch((e) => this.log.warn(`Could not keep the tuned head for a later export: ${e instanceof Error ? e.message : String(e)}`));
      if (this.current === c) void LensPanel.active?.post({ type: 'mitigationResult', result: out.result });
      this.log.info(`Mitigation ${method}: gap ${fmt(out.result.before.gap)} -> ${fmt(out.result.after.gap)}, accuracy ${fmt(out.result.before.accuracy)} -> ${fmt(out.result.after.accuracy)}`);
    } finally {
      bar?.end();
      this.mitigationAbort = undefined;
      m.state = { ...m.state, running: null };
      await this.memory.save(c.root, c.overview.model.sha256, m);
      LensPanel.active?.pushState();
    }
  }

  /** Cancels a running job. */
  cancel(target: CancelTarget): void {
    if (target === 'extraction') this.cancelRankings();
    else if (target === 'mitigation') this.mitigationAbort?.abort();
    else this.analyses.cancel(target);
  }

  /** Asks where (outside the dataset by default), then writes the tuned head (JSON/.npy) or the model with it swapped in (ONNX). */
  async exportHead(kind: ExportKind): Promise<void> {
    const c = this.current;
    const newest = c?.mitigation.state.results.at(-1)?.method;
    const tuned = c && (c.tuned ?? (newest ? await loadTunedHead(c.cacheDir, newest, { classes: c.overview.model.classes, dim: c.overview.model.dim }) : undefined));
    if (!c || !tuned) {
      void vscode.window.showInformationMessage('Spuriosity Lens: fine-tune the head first; the export writes the tuned head.');
      return;
    }
    c.tuned = tuned;
    const ext = kind === 'onnx' ? 'onnx' : kind === 'head-npy' ? 'npy' : 'json';
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(outsideDataset(c.root), `tuned-head-${basename(c.root)}-${tuned.method}.${ext}`)),
      filters: { [ext.toUpperCase()]: [ext] },
    });
    if (!target) return;
    await exportTunedHead(tuned, kind, target.fsPath, c.modelPath);
    c.mitigation.exported = [{ method: tuned.method, kind, path: target.fsPath }, ...c.mitigation.exported.filter((e) => e.path !== target.fsPath)];
    await this.memory.save(c.root, c.overview.model.sha256, c.mitigation);
    void vscode.window.showInformationMessage(`Spuriosity Lens: wrote ${target.fsPath}`);
  }
}

/** A default folder for files we write about a dataset: the folder holding it (a manifest's folder's parent), never inside it. */
export function outsideDataset(root: string): string {
  return dirname(/\.(csv|jsonl)$/i.test(root) ? dirname(root) : root);
}

function fmt(x: number | null): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(1)}%`;
}
