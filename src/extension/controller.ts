import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { AnalysisSession } from '../engine/analysis/session';
import { openAnalysis, openDataset } from '../engine/analysis/openAnalysis';
import type { Dataset, ImageEntry } from '../engine/dataset/types';
import type { ExtractResult } from '../engine/extract/types';
import { HeatmapCache } from '../engine/render/heatmaps';
import { ThumbnailCache } from '../engine/render/thumbnails';
import { openLabelStore } from '../engine/analysis/fileLabelStore';
import type { CancelTarget, ExportKind, FeatureLabel, MitigationMethod, MitigationState, PanelState, SpuriousSubtype } from '../shared/protocol';
import type { PanelBackend } from './panel/backend';
import { LensPanel } from './panel/lensPanel';
import { fromProtocolLabel, panelState } from './panel/viewModel';
import { configuredModel, pickModel } from './modelChoice';
import { formatRate, withJob } from './progress';
import { readSettings } from './settings';
import { cacheDirFor, KnownDatasets } from './storage';
import { runExtraction, spatialMapSource, tuneRunner } from './engineClient';
import { runMitigationJob, exportTunedHead, type TunedHead } from './mitigation';
import { AnalysisActions } from './analyses/actions';

/** Preview size for the image detail view: large enough to inspect, small enough to cache for every image. */
const PREVIEW_SIZE = 448;

/** One ranked dataset: its discovery, features, analysis and caches. */
export interface Ranked {
  root: string;
  dataset: Dataset;
  extraction: ExtractResult;
  session: AnalysisSession;
  cacheDir: string;
  modelPath: string;
  thumbs: ThumbnailCache;
  previews: ThumbnailCache;
  heatmaps: HeatmapCache;
}

/** Owns the ranked datasets, runs the long jobs, and serves the panel. */
export class LensController implements PanelBackend {
  private current: Ranked | undefined;
  private readonly jobs = new Map<'extraction' | 'mitigation', AbortController>();
  private mitigation: MitigationState = { running: null, maxEpochs: 0, history: [], results: [] };
  private tuned: TunedHead | undefined;
  readonly known: KnownDatasets;
  /** Core crops, feature sensitivity and model comparison, on demand. */
  readonly analyses: AnalysisActions;

  constructor(private readonly context: vscode.ExtensionContext, readonly log: vscode.LogOutputChannel) {
    this.known = new KnownDatasets(context.workspaceState);
    this.analyses = new AnalysisActions(context, log, () => this.current, (m) => void LensPanel.active?.post(m),
      (p) => LensPanel.active?.panel.webview.asWebviewUri(vscode.Uri.file(p)).toString());
  }

  get extensionUri(): vscode.Uri {
    return this.context.extensionUri;
  }

  /** Discovers, extracts (in a child process) and analyses a dataset folder, then shows the panel. */
  async rank(root: string, tab: 'overview' | 'labeling' = 'overview'): Promise<Ranked | undefined> {
    const settings = readSettings();
    const modelPath = configuredModel(settings) ?? (await pickModel(this.context.extensionUri));
    if (!modelPath) return undefined;
    const cacheDir = cacheDirFor(this.context, root, settings);
    // with cacheLocation "dataset" our own .spuriosity/ folder is inside the dataset: not a skipped file worth reporting
    const dataset = await openDataset(root, cacheDir);
    if (dataset.images.length === 0) {
      throw new Error(`No images found in ${root}. Valid layouts: <root>/<class>/<image>, <root>/train|val/<class>/<image>, or a CSV/JSONL manifest with path,label[,split].`);
    }
    this.log.info(`Dataset ${root}: ${dataset.images.length} images, ${dataset.classes.length} classes (${dataset.layout}); ${dataset.skipped.length} files skipped`);
    for (const s of dataset.skipped) this.log.debug(`skipped ${s.path}: ${s.reason}${s.detail ? ` (${s.detail})` : ''}`);
    const name = basename(root);
    const abort = new AbortController();
    this.jobs.set('extraction', abort);
    const { extraction, session } = await openAnalysis({
      dataset, modelPath, cacheDir, threads: settings.threads || undefined, pixelLimit: settings.pixelLimit,
      options: { headMode: settings.headMode, grouping: settings.grouping, topK: settings.topFeatures, gapK: settings.gapK },
      runExtract: (request) => withJob(`Spuriosity Lens: ranking ${name}`, (report, signal) => runExtraction(this.context, {
        ...request, signal,
        onProgress: (p) => report({
          message: p.phase === 'extracting' ? formatRate(p.done, p.total, p.imagesPerSecond, p.etaSeconds) : p.phase.replace('-', ' '),
          fraction: p.total ? p.done / p.total : undefined,
        }),
      }), abort).finally(() => this.jobs.delete('extraction')),
      openLabels: (model) => openLabelStore(root, model),
    });
    this.reportFailures(extraction);
    if (session.unmapped.length) this.log.warn(`Classes not in the model's labels: ${session.unmapped.join(', ')}`);
    this.log.info(`Ranked ${name}: ${extraction.computed} images computed, ${extraction.cacheHits} from cache, head: ${session.headSource}`);
    const decode = { pixelLimit: settings.pixelLimit };
    this.current = {
      root, dataset, extraction, session, cacheDir, modelPath,
      thumbs: new ThumbnailCache(join(cacheDir, 'thumbs'), decode),
      previews: new ThumbnailCache(join(cacheDir, 'previews'), decode, PREVIEW_SIZE),
      heatmaps: new HeatmapCache(join(cacheDir, 'heatmaps'), extraction.model.sha256, extraction.model.card.preprocess, decode,
        spatialMapSource(this.context, modelPath, cacheDir, settings.threads || undefined)),
    };
    this.mitigation = { running: null, maxEpochs: 0, history: [], results: [] };
    this.tuned = undefined;
    this.analyses.reset();
    await this.known.touch(root);
    LensPanel.active?.refreshRoots(); // the new dataset's caches must become loadable
    LensPanel.show(this, this.log, tab);
    return this.current;
  }

  /** The ranked dataset, ranking the given (or remembered, or asked-for) folder first when needed. */
  async ensureRanked(root?: string): Promise<Ranked | undefined> {
    if (root && this.current?.root === root) return this.current;
    if (root) return this.rank(root);
    if (this.current) return this.current;
    const known = this.known.list();
    let pick: string | undefined = known[0];
    if (known.length > 1) {
      pick = (await vscode.window.showQuickPick(known.map((k) => ({ label: basename(k), description: k })), { title: 'Which dataset?' }))?.description;
    } else if (!pick) {
      const chosen = await vscode.window.showOpenDialog({ canSelectFolders: true, canSelectFiles: true, canSelectMany: false, title: 'Choose a dataset folder or manifest', filters: { 'Dataset manifest': ['csv', 'jsonl'] } });
      pick = chosen?.[0]?.fsPath;
    }
    return pick ? this.rank(pick) : undefined;
  }

  private reportFailures(ex: ExtractResult): void {
    for (const f of ex.failures) this.log.warn(`Could not use ${f.path}: ${f.reason}: ${f.message}`);
    if (ex.failures.length) {
      void vscode.window.showWarningMessage(`Spuriosity Lens: ${ex.failures.length} image(s) could not be read and were left out; the rest were ranked.`, 'Show Log')
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

  /** The current analysis. */
  session(): AnalysisSession | undefined {
    return this.current?.session;
  }

  /** The panel snapshot. */
  state(): PanelState | undefined {
    const c = this.current;
    if (!c) return undefined;
    const settings = readSettings();
    return panelState(c.session, basename(c.root), { ...this.mitigation, tuneK: settings.tuneK, gapThresholdPoints: settings.gapThreshold });
  }

  thumbs() { return this.current?.thumbs; }
  previews() { return this.current?.previews; }
  heatmaps() { return this.current?.heatmaps; }

  /** Resolves an image id; anything not in the dataset is refused and logged (the webview is untrusted). */
  entry(id: string): ImageEntry | undefined {
    const s = this.current?.session;
    const i = s?.indexOf(id);
    if (!s || i === undefined) {
      this.log.warn(`Refused a request for "${id}": not an image of the ranked dataset`);
      return undefined;
    }
    return s.entries[i];
  }

  /** Saves a label at once and re-ranks its class. */
  async setLabel(cls: string, feature: number, label: FeatureLabel | null, subtype?: SpuriousSubtype): Promise<void> {
    const s = this.current?.session;
    if (!s) return;
    await s.setLabel(cls, feature, fromProtocolLabel(label, subtype));
    this.analyses.labelChanged(cls);
  }

  /** Fine-tunes the head with one method, streaming per-epoch points to the panel. */
  async runMitigation(method: MitigationMethod): Promise<void> {
    const c = this.current;
    if (!c || this.mitigation.running) return;
    const settings = readSettings();
    const abort = new AbortController();
    this.jobs.set('mitigation', abort);
    this.mitigation = { ...this.mitigation, running: method, history: [] };
    LensPanel.active?.pushState();
    try {
      const out = await runMitigationJob(c.session, method, { k: settings.tuneK, gapThreshold: settings.gapThreshold / 100, signal: abort.signal, ortRunner: tuneRunner(this.context) }, (point, maxEpochs) => {
        this.mitigation = { ...this.mitigation, maxEpochs, history: [...this.mitigation.history, point] };
        void LensPanel.active?.post({ type: 'mitigationProgress', method, point });
      });
      this.tuned = out.tuned;
      this.mitigation = { ...this.mitigation, results: [...this.mitigation.results.filter((r) => r.method !== method), out.result] };
      void LensPanel.active?.post({ type: 'mitigationResult', result: out.result });
      this.log.info(`Mitigation ${method}: gap ${fmt(out.result.before.gap)} -> ${fmt(out.result.after.gap)}, accuracy ${fmt(out.result.before.accuracy)} -> ${fmt(out.result.after.accuracy)}`);
    } finally {
      this.jobs.delete('mitigation');
      this.mitigation = { ...this.mitigation, running: null };
      LensPanel.active?.pushState();
    }
  }

  /** Cancels a running job. */
  cancel(target: CancelTarget): void {
    if (target === 'extraction' || target === 'mitigation') this.jobs.get(target)?.abort();
    else this.analyses.cancel(target);
  }

  /** Asks where, then writes the tuned head (JSON/.npy) or the model with it swapped in (ONNX). */
  async exportHead(kind: ExportKind): Promise<void> {
    const c = this.current;
    if (!c || !this.tuned) {
      void vscode.window.showInformationMessage('Spuriosity Lens: fine-tune the head first; the export writes the tuned head.');
      return;
    }
    const ext = kind === 'onnx' ? 'onnx' : kind === 'head-npy' ? 'npy' : 'json';
    const target = await vscode.window.showSaveDialog({
      defaultUri: vscode.Uri.file(join(c.root, `tuned-head-${this.tuned.method}.${ext}`)),
      filters: { [ext.toUpperCase()]: [ext] },
    });
    if (!target) return;
    await exportTunedHead(this.tuned, kind, target.fsPath, c.modelPath);
    void vscode.window.showInformationMessage(`Spuriosity Lens: wrote ${target.fsPath}`);
  }
}

function fmt(x: number | null): string {
  return x === null || !Number.isFinite(x) ? 'n/a' : `${(x * 100).toFixed(1)}%`;
}
