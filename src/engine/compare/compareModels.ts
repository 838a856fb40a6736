// Ranks one dataset under several models and compares them (section 4.2, appendix D). Per model: extract (cache-first,
// through an injectable runner: the extension runs it in the child process), open THAT model's annotation file (labels
// are per model sha256), analyse, keep only its per-class gaps; then the statistics across models.
import type { AnalysisOptions } from '../analysis/session';
import { AnalysisSession } from '../analysis/session';
import type { LabelStore } from '../analysis/labels';
import type { Dataset } from '../dataset/types';
import { extract } from '../extract/pipeline';
import { ExtractCancelledError, type ExtractProgress, type ExtractRequest, type ExtractResult } from '../extract/types';
import type { ModelInfo } from '../model/types';
import { modelIds, summariseModel, type ModelGaps } from './modelSummary';
import { compareStatistics } from './statistics';
import { COMPARE_SCHEMA, type CompareModel, type CompareProgress, type CompareReport } from './types';

/** Runs one extraction: `extract` in-process by default; the extension passes one that forks the extraction worker. */
export type ExtractRunner = (request: ExtractRequest, hooks: { signal?: AbortSignal; onProgress?(p: ExtractProgress): void }) => Promise<ExtractResult>;

/** Runs `extract` in this process. */
export const extractInProcess: ExtractRunner = (request, hooks) => extract({ ...request, ...hooks });

/** Options of compareModels. */
export interface CompareOptions {
  dataset: Dataset;
  /** Model files, at least 2. */
  models: string[];
  /** Feature cache root shared by the models (each model's features live under its own sha256). */
  cacheDir: string;
  /** Opens the label store of one model and says where it lives (by default its per-sha256 file beside the data). */
  openLabels(model: ModelInfo): Promise<{ store: LabelStore; path: string }>;
  /** Analysis knobs shared by every model; bootstrap is forced to 0 (the comparison uses point gaps only). */
  analysis?: AnalysisOptions;
  threads?: number;
  runExtract?: ExtractRunner;
  /** Runs after a model's analysis opens and before its gaps are read, e.g. to label features from the demo's probes. */
  prepare?(session: AnalysisSession, store: LabelStore, id: string): Promise<void>;
  signal?: AbortSignal;
  onProgress?(p: CompareProgress): void;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ExtractCancelledError('comparison cancelled');
}

/**
 * Analyses the dataset under every model in turn and builds the comparison report. Models with nothing labelled
 * spurious (or no measurable class) stay in the report with a note but out of the statistics; the same file given
 * twice (same sha256) is left out after its first appearance. Cancellation stops after the current extraction batch
 * or between stages with ExtractCancelledError. Each model's session is dropped once summarised, so memory holds one
 * model's features at a time.
 */
export async function compareModels(o: CompareOptions): Promise<CompareReport> {
  if (o.models.length < 2) throw new RangeError(`Comparing needs at least 2 models, got ${o.models.length}`);
  const run = o.runExtract ?? extractInProcess;
  const ids = modelIds(o.models);
  const analysis: AnalysisOptions = { ...o.analysis, bootstrap: 0 };
  const models: CompareModel[] = [];
  const gaps: ModelGaps[] = [];
  const bySha = new Map<string, string>();
  const total = o.models.length;
  let counts: { train: number; val: number } = { train: 0, val: 0 };
  for (let m = 0; m < total; m++) {
    const id = ids[m];
    const progress = (p: Omit<CompareProgress, 'model' | 'models' | 'id'>) => o.onProgress?.({ model: m + 1, models: total, id, ...p });
    throwIfAborted(o.signal);
    progress({ phase: 'extracting', done: 0, total: o.dataset.images.length });
    const ex = await run(
      { dataset: o.dataset, modelPath: o.models[m], cacheDir: o.cacheDir, threads: o.threads },
      { signal: o.signal, onProgress: (p) => progress({ phase: 'extracting', done: p.done, total: p.total }) },
    );
    throwIfAborted(o.signal);
    progress({ phase: 'analysing' });
    const { store, path } = await o.openLabels(ex.model);
    const session = await AnalysisSession.open(o.dataset, ex, store, analysis);
    if (o.prepare) await o.prepare(session, store, id);
    throwIfAborted(o.signal);
    counts = session.splitCounts();
    const s = summariseModel(session, id, path);
    const twin = bySha.get(ex.model.sha256);
    if (twin !== undefined && s.model.included) {
      s.model.included = false;
      s.model.note = `the same file as ${twin} (sha256 ${ex.model.sha256.slice(0, 12)}…): counted once`;
    }
    if (twin === undefined) bySha.set(ex.model.sha256, id);
    models.push(s.model);
    gaps.push(s.gaps);
    progress({ phase: 'done' });
  }
  const classes = o.dataset.classes;
  const stats = compareStatistics(models, gaps, classes);
  const left = models.filter((m) => !m.included).map((m) => `${m.id} left out of the statistics: ${m.note}`);
  return {
    schema: COMPARE_SCHEMA,
    dataset: { root: o.dataset.root, layout: o.dataset.layout, classes, images: counts },
    gapK: analysis.gapK ?? 10,
    models,
    gapTable: classes.map((c) => ({ class: c, gaps: gaps.map((g) => (g.gap.has(c) ? Math.round(g.gap.get(c)! * 10000) / 100 : null)) })),
    correlation: stats.correlation,
    variance: stats.variance,
    fit: stats.fit,
    notes: [...left, ...stats.notes],
  };
}
