// Labeling another model's features from the panel: after a comparison, the Labeling view can switch to any compared
// model. That model's analysis opens from the feature cache (its extraction ran in the comparison), with its own
// annotation file, top features and heatmaps; each label re-summarises it and the comparison updates.
import { basename, join } from 'node:path';
import type * as vscode from 'vscode';
import { openLabelStore, AnalysisSession, type AnalysisOptions } from '../../engine/api/analysis';
import { defaultAnnotationPath, HeatmapCache } from '../../engine/api/stores';
import { resummarise, type LiveComparison } from '../../engine/api/analyses';
import { localSession, overview } from '../../engine/api/sessionChild';
import type { FeatureLabel, HostToWebview, LabelingModel, LabelingModels, SpuriousSubtype } from '../../shared/protocol';
import { runExtraction, spatialMapSource } from '../engineClient';
import type { PanelBackend } from '../panel/backend';
import { classSummaries, fromProtocolLabel, labelingOrder } from '../panel/viewModel';
import { readSettings } from '../settings';
import type { AnalysisTarget } from './actions';

/** A compared model opened for labeling. */
interface OpenModel {
  sha256: string;
  session: AnalysisSession;
  heatmaps: HeatmapCache;
}

/** Spurious (class, feature) pairs of a session, over the dataset's classes (as the comparison counts them). */
function spuriousPairs(s: AnalysisSession): number {
  const lists = s.spuriousLists();
  return s.datasetClassIds.reduce((n, c) => n + lists[c].length, 0);
}

/** Image ids a session leaves out, so a model opened beside it sees the same images. */
export function excludedIds(s: AnalysisSession): string[] {
  return s.entries.filter((_, i) => s.excluded[i] === 1).map((e) => e.rel);
}

/** Which model the Labeling view labels, the live comparison it feeds, and the session of a non-ranked model. */
export class ModelLabeling {
  private live: { root: string; comparison: LiveComparison; options: AnalysisOptions } | null = null;
  private other: OpenModel | null = null;
  private loading: string | null = null;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel,
    private readonly target: () => AnalysisTarget | undefined, private readonly post: (m: HostToWebview) => void,
    private readonly comparisonChanged: (report: LiveComparison['report']) => void) {}

  /** A new comparison of the ranked dataset (with the analysis options it used): its models become labelable. */
  setComparison(root: string, comparison: LiveComparison, options: AnalysisOptions): void {
    this.live = { root, comparison, options };
    if (this.other && !comparison.report.models.some((m) => m.sha256 === this.other!.sha256)) this.other = null;
    this.send();
  }

  /** A new ranking (another dataset or model): back to the ranked model, the old comparison no longer applies. */
  reset(): void {
    this.other = null;
    this.loading = null;
    const t = this.target();
    if (this.live && t?.root !== this.live.root) this.live = null;
  }

  /** The models the Labeling view offers; undefined when nothing is ranked. */
  view(): LabelingModels | undefined {
    const t = this.target();
    if (!t) return undefined;
    const ranked = t.session.model;
    const models: LabelingModel[] = [{
      sha256: ranked.sha256, id: basename(t.modelPath, '.onnx'), annotations: defaultAnnotationPath(t.root, ranked.sha256),
      spuriousPairs: spuriousPairs(t.session), ranked: true,
    }];
    const live = this.live?.root === t.root ? this.live.comparison.report : null;
    for (const m of live?.models ?? []) {
      if (m.head === null || models.some((x) => x.sha256 === m.sha256)) continue; // failed, or the same file again
      const open = this.other?.sha256 === m.sha256 ? this.other.session : null;
      models.push({ sha256: m.sha256, id: m.id, annotations: m.annotations ?? defaultAnnotationPath(t.root, m.sha256), spuriousPairs: open ? spuriousPairs(open) : m.spuriousPairs, ranked: false });
    }
    const o = this.other?.session;
    if (!o) return { models, active: this.loading ?? ranked.sha256, loading: this.loading !== null };
    const classes = classSummaries(o);
    return {
      models, active: this.other!.sha256, loading: this.loading !== null, classes, order: labelingOrder(o),
      progress: { labeledClasses: classes.filter((c) => c.labeled).length, totalClasses: classes.length }, topK: o.options.topK,
    };
  }

  /** Sends the view to the panel. */
  send(): void {
    const v = this.view();
    if (v) this.post({ type: 'labelingModels', models: v });
  }

  /** The session the Labeling view labels (the ranked one unless another model is selected). */
  activeSession(): AnalysisSession | undefined {
    return this.other?.session ?? this.target()?.session;
  }

  /** The compared model's session when the Labeling view labels one, else undefined (the ranked model). */
  comparedSession(): AnalysisSession | undefined {
    return this.other?.session;
  }

  /** Switches the Labeling view to a compared model (null or the ranked model's sha256: back to the ranked model). */
  async select(sha256: string | null): Promise<void> {
    const t = this.target();
    if (!t) return;
    if (sha256 === null || sha256 === t.session.model.sha256) {
      this.other = null;
      this.send();
      return;
    }
    if (this.other?.sha256 === sha256) return this.send();
    const m = this.live?.root === t.root ? this.live.comparison.report.models.find((x) => x.sha256 === sha256 && x.head !== null) : undefined;
    if (!m) throw new Error(`No model with sha256 ${sha256.slice(0, 12)}… in the last comparison of ${basename(t.root)}; compare models first (Models tab).`);
    this.loading = sha256;
    this.send();
    try {
      const settings = readSettings();
      const threads = settings.threads || undefined;
      // the comparison extracted this model: its features come from the cache in a moment
      const ex = await runExtraction(this.context, { dataset: t.dataset, modelPath: m.path, cacheDir: t.cacheDir, threads, pixelLimit: settings.pixelLimit });
      const store = await openLabelStore(t.root, ex.model);
      const session = await AnalysisSession.open(t.dataset, ex, store, { ...this.live!.options, bootstrap: 0, excluded: excludedIds(t.session) });
      const heatmaps = new HeatmapCache(join(t.cacheDir, 'heatmaps'), ex.model.sha256, ex.model.card.preprocess, { pixelLimit: settings.pixelLimit },
        spatialMapSource(this.context, m.path, t.cacheDir, threads));
      if (this.loading === sha256) this.other = { sha256, session, heatmaps };
      this.log.info(`Labeling ${m.id} (${store.path}): ${spuriousPairs(session)} spurious pair(s) labeled so far`);
    } finally {
      if (this.loading === sha256) this.loading = null;
      this.send();
    }
  }

  /**
   * The panel backend the Labeling view talks to: the ranked one, or one whose session, heatmaps and labels are the
   * selected model's (thumbnails and images are the dataset's, shared).
   */
  backend(b: PanelBackend): PanelBackend {
    const o = this.other;
    if (!o) return b;
    const changed = (s: AnalysisSession) => this.labelsChanged(s);
    return Object.create(b, {
      session: { value: () => localSession(o.session) },
      overview: { value: () => overview(o.session) },
      heatmaps: { value: () => o.heatmaps },
      // the ranked model's suggestions name its features, not this model's
      suggestionsPath: { value: () => undefined },
      setLabel: {
        value: async (cls: string, feature: number, label: FeatureLabel | null, subtype?: SpuriousSubtype) => {
          await o.session.setLabel(cls, feature, fromProtocolLabel(label, subtype));
          changed(o.session);
        },
      },
    }) as PanelBackend;
  }

  /** Labels of a model changed (the ranked model's or the selected one's): update the comparison it is part of. */
  labelsChanged(session: AnalysisSession | undefined = this.target()?.session): void {
    const t = this.target();
    if (session && this.live && t?.root === this.live.root) {
      const index = this.live.comparison.report.models.findIndex((m) => m.sha256 === session.model.sha256 && m.head !== null);
      if (index >= 0) {
        this.live = { ...this.live, comparison: resummarise(this.live.comparison, index, session) };
        this.comparisonChanged(this.live.comparison.report);
      }
    }
    this.send();
  }
}
