// Ranks one dataset under several models and compares them (section 4.2, appendix D). First every model is checked
// (and any extra input, e.g. the probe folder) so a bad one stops the run before anything is extracted. Per model: extract (cache-first,
// through an injectable runner: the extension runs it in the child process), open THAT model's annotation file (labels
// are per model sha256), analyse, keep only its per-class gaps; then the statistics across models.
import type { AnalysisOptions, AnalysisSession } from '../analysis/session';
import type { LabelStore } from '../analysis/labels';
import { extractInProcess, openAnalysis, type ExtractRunner } from '../analysis/openAnalysis';
import type { Dataset } from '../dataset/types';
import { ExtractCancelledError } from '../extract/types';
import type { ModelInfo } from '../model/types';
import { checkModelInProcess, checkModels, CompareInputError, type ModelChecker } from './checkInputs';
import { failedModel, modelIds, summariseModel, type ModelGaps } from './modelSummary';
import { compareStatistics } from './statistics';
import { COMPARE_SCHEMA, type CompareModel, type CompareProgress, type CompareReport } from './types';
import { DEFAULT_GAP_K } from '../../core/gap';
import { toPoints } from '../../core/vocabulary';

export { extractInProcess, type ExtractRunner };

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
  /** Checks one model before anything is extracted (default: the engine's loader in this process). */
  checkModel?: ModelChecker;
  /** More up-front checks, run with the models' (e.g. the probe folder prepare reads); each string is one problem. */
  checkInputs?(): Promise<string[]>;
  /**
   * Runs after a model's analysis opens and before its gaps are read, e.g. to label features from the demo's probes;
   * a returned string becomes a note of the report, prefixed with the model's id.
   */
  prepare?(session: AnalysisSession, store: LabelStore, id: string): Promise<string | void>;
  signal?: AbortSignal;
  onProgress?(p: CompareProgress): void;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new ExtractCancelledError('comparison cancelled');
}

const isCancel = (e: unknown, signal?: AbortSignal): boolean => signal?.aborted === true || (e instanceof Error && e.name === 'AbortError');

/**
 * Checks every model and `checkInputs` first and throws CompareInputError listing every problem before anything is
 * extracted. Then analyses the dataset under every model in turn and builds the comparison report. Models with nothing
 * labelled spurious (or no measurable class) stay in the report with a note but out of the statistics; the same file
 * given twice (same sha256) is left out after its first appearance; a model whose extraction or analysis fails is left
 * out with the error as its note, and the run goes on while at least 2 models remain (else it throws, naming the
 * failures). Cancellation stops after the current extraction batch or between stages with ExtractCancelledError. Each
 * model's session is dropped once summarised, so memory holds one model's features at a time.
 */
export async function compareModels(o: CompareOptions): Promise<CompareReport> {
  if (o.models.length < 2) throw new RangeError(`Comparing needs at least 2 models, got ${o.models.length}`);
  const run = o.runExtract ?? extractInProcess;
  const ids = modelIds(o.models);
  const checked = await checkModels(o.models, o.checkModel ?? checkModelInProcess);
  const problems = [...checked.problems, ...(o.checkInputs ? await o.checkInputs() : [])];
  if (problems.length) throw new CompareInputError(problems);
  const analysis: AnalysisOptions = { ...o.analysis, bootstrap: 0 };
  const models: CompareModel[] = [];
  const gaps: ModelGaps[] = [];
  const bySha = new Map<string, string>();
  const total = o.models.length;
  const failures: string[] = [];
  const prepared: string[] = [];
  let counts: { train: number; val: number } = { train: 0, val: 0 };
  for (let m = 0; m < total; m++) {
    const id = ids[m];
    const progress = (p: Omit<CompareProgress, 'model' | 'models' | 'id'>) => o.onProgress?.({ model: m + 1, models: total, id, ...p });
    throwIfAborted(o.signal);
    progress({ phase: 'extracting', done: 0, total: o.dataset.images.length });
    let annotations: string | null = null;
    let labelsPath = '';
    let failed = false;
    let s: { model: CompareModel; gaps: ModelGaps };
    try {
      const { session, labelStore: store } = await openAnalysis({
        dataset: o.dataset, modelPath: o.models[m], cacheDir: o.cacheDir, threads: o.threads, options: analysis, runExtract: run,
        signal: o.signal, onProgress: (p) => progress({ phase: 'extracting', done: p.done, total: p.total }),
        openLabels: async (model) => {
          throwIfAborted(o.signal);
          progress({ phase: 'analysing' });
          const { store, path } = await o.openLabels(model);
          annotations = labelsPath = path;
          return store;
        },
      });
      const note = o.prepare ? await o.prepare(session, store, id) : undefined;
      if (note) prepared.push(`${id}: ${note}`);
      throwIfAborted(o.signal);
      counts = session.splitCounts();
      s = summariseModel(session, id, labelsPath);
    } catch (e) {
      if (isCancel(e, o.signal)) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      failures.push(`${id}: ${reason}`);
      if (total - failures.length < 2) {
        throw new Error(`comparison stopped: ${failures.length} of ${total} models failed, fewer than 2 remain (${failures.join('; ')})`);
      }
      s = failedModel(id, checked.infos[m]!, annotations, reason);
      failed = true;
    }
    const twin = failed ? undefined : bySha.get(s.model.sha256);
    if (twin !== undefined && s.model.included) {
      s.model.included = false;
      s.model.note = `the same file as ${twin} (sha256 ${s.model.sha256.slice(0, 12)}…): counted once`;
    }
    if (twin === undefined && !failed) bySha.set(s.model.sha256, id);
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
    gapK: analysis.gapK ?? DEFAULT_GAP_K,
    models,
    gapTable: classes.map((c) => ({ class: c, gaps: gaps.map((g) => (g.gap.has(c) ? toPoints(g.gap.get(c)!) : null)) })),
    correlation: stats.correlation,
    variance: stats.variance,
    fit: stats.fit,
    notes: [...left, ...prepared, ...stats.notes],
  };
}
