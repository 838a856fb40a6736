// The analysis session as a long-lived job of the child-process host (engine/jobs/table.ts 'session'): the child
// opens the session (out of core: features stay in the cache, in that process; an in-memory one in the child when
// the analysis needs a fitted head) and answers the host's queries (overview, pages, feature cards, image details,
// labels, exclusions, review queue, tuning, reports) until the host cancels the job. The host never holds a feature:
// it gets page-sized answers. Queries travel as `session-query` messages on the same IPC channel (the generic host
// ignores them), answers (and a tuning run's epochs) as the job's progress.
import type { JobHooks } from '../../runner/runner';
import { serializeError, type SerializedError } from '../../runner/errorWire';
import type { ExtractDeps, ExtractProgress, ExtractRequest } from '../../extract/types';
import type { Dataset, ImageEntry } from '../../dataset/types';
import type { EpochRecord, Schedule } from '../../../core/mitigate';
import type { TuningMethod } from '../../../core/tuningSet';
import type { HeadSource } from '../../../core/vocabulary';
import type { LinearHead } from '../../../core/types';
import { headLogits, softmaxRows } from '../../../core/linalg';
import { openLabelStore } from '../fileLabelStore';
import { extractInProcess, openAnalysis, openDataset } from '../openAnalysis';
import { classPage, type ClassPageRequest, type ClassPageRow } from '../queries/classPage';
import { classStats, labelingOrder, type ClassStats } from '../queries/classStats';
import { featureCards, imageDetail } from '../queries/imageDetail';
import { overlayFeatures, type OverlayChoice } from '../queries/overlayFeatures';
import { misclassifiedRows, reviewItems } from '../queries/reviewItems';
import { collisionPairs } from '../collisionsView';
import { gapReport, rankReport } from '../report';
import { markdownReport } from '../markdownReport';
import { cachedThumbnails, htmlReport, type TuningSummary } from '../htmlReport';
import { ThumbnailCache } from '../../render/thumbnails';
import type { DecodeOptions } from '../../native/sharp';
import { AnalysisSession, type AnalysisOptions } from '../session';
import type { FeatureVerdict } from '../labels';
import { checkTuning } from '../tuneGuard';
import { tuneHead, type TuneOutcome } from '../tune';
import { runTuneJob } from '../../train/tuneJob';
import type { OrtTuneRunner } from '../../train/tuneProblem';
import type { GapSummary } from '../../../core/gap';
import type { HeadMode } from '../headChoice';
import type { ModelInfo } from '../../model/types';
import { StreamedSession, timer } from './streamedSession';
import { outOfCoreOrInMemory } from './outOfCoreOrInMemory';
import { FeatureCache } from '../../cache/featureCache';
import { loadDefaultDeps } from '../../extract/pipeline';
import { tuneStreamed } from './tuneStreamed';
import { measureSensitivity, type SensitivityOptions } from '../sensitivity/analyze';
import { runSensitivityJob } from '../../sensitivity/job';
import type { SensitivityReport } from '../../sensitivity/types';

/**
 * Opens a session: the extraction request (cache-first), where its annotations live, and the analysis knobs. Give
 * `root` instead of a discovered `dataset` and the child discovers it: then the host holds not even the image list.
 */
export interface SessionJobRequest extends Omit<ExtractRequest, 'dataset'> {
  dataset?: Dataset;
  root?: string;
  /** The dataset folder the default annotation file lives in, and an explicit file when one is chosen. */
  annotations: { root: string; path?: string };
  options?: AnalysisOptions;
}

/** The session a child serves: out of core, or in memory (in the child) when a fitted head is needed. */
export type ServedSession = StreamedSession | AnalysisSession;

/** What the host can ask an open session. */
export type SessionQuery =
  | { kind: 'overview' }
  | { kind: 'opened' }
  | { kind: 'classPage'; request: ClassPageRequest; overlay?: OverlayChoice }
  | { kind: 'featureCards'; cls: number }
  | { kind: 'imageDetail'; id: string }
  | { kind: 'entries'; ids: string[] }
  | { kind: 'setLabel'; cls: string; feature: number; verdict: FeatureVerdict | null }
  | { kind: 'setExcluded'; ids: string[] }
  | { kind: 'reviewQueue'; labelErrors: string[] }
  | { kind: 'collisions' }
  | { kind: 'tuneCheck'; method: TuningMethod; k: number; threshold: number }
  | { kind: 'tune'; method: TuningMethod; k: number; threshold: number; threads?: number; maxIter?: number; trainer?: 'js' | 'ort' | 'auto' }
  | { kind: 'rankReport'; show?: number }
  | { kind: 'gapReport' }
  | { kind: 'markdownReport' }
  /** Feature sensitivity of one of a class's top features, its decoding and inference in the child (progress as events). */
  | { kind: 'sensitivity'; className: string; feature: number; options?: Omit<SensitivityOptions, 'signal' | 'onProgress'> }
  /** The self-contained HTML report, its thumbnails from (or made into) the host's thumbnail folder. */
  | { kind: 'htmlReport'; thumbs: { dir: string; decode: DecodeOptions; size?: number }; tuning?: TuningSummary[] };

/** The message a query travels in (parent -> child); `session-cancel` stops a running tuning query. */
export interface SessionQueryMessage {
  type: 'session-query';
  id: number;
  query: SessionQuery;
}

/** The session job's progress: the extraction's while it opens, then 'ready', then answers and a tuning run's epochs. */
export type SessionProgress =
  | { type: 'extract'; progress: ExtractProgress }
  | { type: 'ready' }
  | { type: 'event'; id: number; value: unknown }
  | { type: 'answer'; id: number; value?: unknown; error?: SerializedError };

/** The panel's snapshot of a session: everything per class, nothing per image. */
export interface SessionOverview {
  images: number;
  datasetRoot: string;
  datasetClasses: string[];
  classNames: string[];
  datasetClassIds: number[];
  headSource: HeadSource;
  headMode: HeadMode;
  /** Whether the features stay in the cache (out of core) or the child holds them (a fitted head). */
  outOfCore: boolean;
  unmapped: string[];
  splits: { train: number; val: number };
  classes: ClassStats[];
  labelingOrder: string[];
  gaps: GapSummary;
  topK: number;
  gapK: number;
  excludedCount: number;
  model: { name: string | null; path: string; sha256: string; dim: number; classes: number; preprocess: ModelInfo['card']['preprocess'] };
}

/** What opening found, said once (the host logs it and warns about unreadable images). */
export interface SessionOpened {
  images: number;
  classes: number;
  layout: string;
  computed: number;
  cacheHits: number;
  /** The first 200 unreadable images, and how many there were. */
  failures: Array<{ path: string; reason: string; message: string }>;
  failureCount: number;
  skipped: Array<{ path: string; reason: string; detail?: string }>;
  skippedCount: number;
  warnings: string[];
  /** Milliseconds per phase of the open (model and cache listing, discovery, the session's own phases), in order. */
  timings: Array<[string, number]>;
}

/** A gallery page row with the predicted class's probability under the head in use. */
export type ServedPageRow = ClassPageRow & { confidence: number | null };

/** A tuning run's epoch, as the host's progress bar and chart need it. */
export interface TuneEvent {
  record: EpochRecord;
  schedule: Schedule;
}

/** A finished tuning run (the tuned head crosses back; no feature does). */
export interface TuneAnswer extends Omit<TuneOutcome, 'head'> {
  head: LinearHead;
  labels: string[];
}

/** Whether the served session is the out-of-core one (by shape: a module loaded twice breaks instanceof). */
export const isStreamed = (s: ServedSession): s is StreamedSession => typeof (s as Partial<StreamedSession>).loadRows === 'function';

/** The overview of a session. */
export function overview(s: ServedSession): SessionOverview {
  const m = s.model;
  return {
    images: s.entries.length, datasetRoot: s.dataset.root, datasetClasses: s.dataset.classes,
    classNames: s.classNames, datasetClassIds: s.datasetClassIds, headSource: s.headSource, headMode: s.options.headMode,
    outOfCore: isStreamed(s), unmapped: s.unmapped, splits: s.splitCounts(), classes: classStats(s), labelingOrder: labelingOrder(s),
    gaps: s.gaps, topK: s.options.topK, gapK: s.options.gapK, excludedCount: s.excludedCount,
    model: { name: m.card.name ?? null, path: m.path, sha256: m.sha256, dim: m.dim, classes: m.classes, preprocess: m.card.preprocess },
  };
}

/** Softmax probability of each row's predicted class under the head in use (a fitted or tuned one too). */
export async function confidences(s: ServedSession, rows: number[]): Promise<Array<number | null>> {
  if (isStreamed(s)) {
    await s.loadRows(rows);
    return rows.map((r) => s.confidence(r));
  }
  if (!rows.length) return [];
  const probs = softmaxRows(headLogits(s.features, s.head, rows));
  return rows.map((r, j) => {
    const p = probs.data[j * probs.cols + s.predictions[r]];
    return Number.isFinite(p) ? p : null;
  });
}

const rowOf = (s: ServedSession, id: string): number => {
  const row = s.indexOf(id);
  if (row === undefined) throw new Error(`"${id}" is not an image of the analysed dataset`);
  return row;
};

/** Answers one query against the session (the job serves 'tune' through tuneServed: it reports epochs and can be cancelled). */
export async function answer(s: ServedSession, q: SessionQuery): Promise<unknown> {
  switch (q.kind) {
    case 'overview':
      return overview(s);
    case 'opened': {
      const ex = s.extraction;
      return {
        images: s.entries.length, classes: s.dataset.classes.length, layout: s.dataset.layout, computed: ex.computed, cacheHits: ex.cacheHits,
        failures: ex.failures.slice(0, 200).map((f) => ({ path: f.path, reason: f.reason, message: f.message })), failureCount: ex.failures.length,
        skipped: s.dataset.skipped.slice(0, 200), skippedCount: s.dataset.skipped.length, warnings: ex.warnings ?? [],
        timings: isStreamed(s) ? s.timings : [],
      } satisfies SessionOpened;
    }
    case 'classPage': {
      const page = classPage(s, q.request);
      const conf = await confidences(s, page.rows.map((r) => r.row));
      const rows: ServedPageRow[] = page.rows.map((r, j) => ({ ...r, confidence: conf[j] }));
      return { ...page, rows, ...(q.overlay ? { overlay: overlayFeatures(s, q.request.cls, q.overlay) } : {}) };
    }
    case 'featureCards':
      return featureCards(s, q.cls);
    case 'imageDetail': {
      const row = rowOf(s, q.id);
      const [confidence] = await confidences(s, [row]);
      return { ...imageDetail(s, row), confidence };
    }
    case 'entries':
      return q.ids.map((id): ImageEntry | null => {
        const row = s.indexOf(id);
        return row === undefined ? null : s.entries[row];
      });
    case 'setLabel':
      await s.setLabel(q.cls, q.feature, q.verdict);
      return overview(s);
    case 'setExcluded':
      await s.setExcluded(q.ids);
      return overview(s);
    case 'reviewQueue': {
      const candidates = misclassifiedRows(s);
      const conf = await confidences(s, candidates);
      const of = new Map(candidates.map((r, j) => [r, conf[j]] as const));
      return reviewItems(s, q.labelErrors, (r) => of.get(r) ?? null);
    }
    case 'collisions':
      return collisionPairs(s);
    case 'tuneCheck':
      return checkTuning(s, q.method, { k: q.k, threshold: q.threshold });
    case 'rankReport':
      return rankReport(s, q.show);
    case 'gapReport':
      return gapReport(s);
    case 'markdownReport':
      return markdownReport(s);
    case 'htmlReport':
      return htmlReport(s, { thumbnail: cachedThumbnails(new ThumbnailCache(q.thumbs.dir, q.thumbs.decode, q.thumbs.size)), tuning: q.tuning });
    case 'tune':
      return tuneServed(s, q, new AbortController().signal, () => undefined);
    case 'sensitivity':
      return sensitivityServed(s, q, new AbortController().signal, () => undefined);
  }
}

/** A sensitivity run on the served session: the top-activating images from its columns (or matrix), the model work in this process. */
export async function sensitivityServed(s: ServedSession, q: Extract<SessionQuery, { kind: 'sensitivity' }>, signal: AbortSignal, onProgress: (p: ExtractProgress) => void): Promise<SensitivityReport> {
  const cls = s.classId(q.className);
  if (cls === undefined) throw new Error(`No class "${q.className}" in the ranked dataset.`);
  if (!(s.importance[cls]?.top ?? []).includes(q.feature)) throw new Error(`Feature ${q.feature} is not a top feature of ${q.className}; sensitivity is measured for the features shown for labeling.`);
  return measureSensitivity(s, [{ cls, feature: q.feature }], (request, hooks = {}) => runSensitivityJob({ ...request, ...hooks }), { ...q.options, signal, onProgress });
}

/** ONNX Runtime in this (child) process, for tuning sets large enough to need it. */
const ortInProcess = (threads?: number): OrtTuneRunner => (request, hooks = {}) =>
  runTuneJob({ ...request, threads }, { signal: hooks.signal ?? new AbortController().signal, onEpoch: (record, schedule) => hooks.onProgress?.({ record, schedule }) });

/** One tuning run on the served session (out of core: only the tuning and validation rows are read), reporting each epoch. */
export async function tuneServed(s: ServedSession, q: Extract<SessionQuery, { kind: 'tune' }>, signal: AbortSignal, onEpoch: (e: TuneEvent) => void): Promise<TuneAnswer> {
  const opts = {
    k: q.k, threshold: q.threshold, signal, ortRunner: ortInProcess(q.threads), onEpoch: (record: EpochRecord, schedule: Schedule) => onEpoch({ record, schedule }),
    ...(q.maxIter !== undefined ? { maxIter: q.maxIter } : {}), ...(q.trainer ? { trainer: q.trainer } : {}),
  };
  const out = isStreamed(s) ? await tuneStreamed(s, q.method, opts) : await tuneHead(s, q.method, opts);
  return { ...out, labels: s.classNames };
}

const isQuery = (m: unknown): m is SessionQueryMessage => (m as { type?: unknown } | null)?.type === 'session-query';
const isCancel = (m: unknown): m is { type: 'session-cancel'; id: number } => (m as { type?: unknown } | null)?.type === 'session-cancel';

/** Opens the session out of core; an analysis that needs a fitted head opens in memory instead (in this, the child's, process). */
async function openServed(request: SessionJobRequest, ctx: JobHooks<SessionProgress> & { deps?: ExtractDeps }): Promise<ServedSession> {
  const { annotations, options, root, dataset: given, ...extract } = request;
  if (!given && !root) throw new Error('the session job needs a dataset or its root folder');
  // the feature cache lists most files with their size and mtime: discovery stats only the others
  let opened: { info: ModelInfo; cache: FeatureCache } | undefined;
  const timings: Array<[string, number]> = [];
  const lap = timer(timings);
  if (!given) {
    try {
      const { info } = await (ctx.deps ?? (await loadDefaultDeps())).loadModel(extract.modelPath);
      opened = { info, cache: await FeatureCache.open(extract.cacheDir, { sha256: info.sha256, dim: info.dim, classes: info.classes }) };
    } catch {
      opened = undefined; // the open below says what is wrong with the model or the cache folder
    }
  }
  const cache = opened?.cache;
  lap('model and feature-cache listing');
  const dataset = given ?? await openDataset(root!, extract.cacheDir, cache ? { known: (rel) => cache.listed(rel) } : {});
  lap('discovery');
  if (dataset.images.length === 0) {
    throw new Error(`No images found in ${dataset.root}. Valid layouts: <root>/<class>/<image>, <root>/train|val/<class>/<image>, or a CSV/JSONL manifest with path,label[,split].`);
  }
  const common = {
    ...extract, dataset, options, deps: ctx.deps, signal: ctx.signal, opened,
    onProgress: (progress: ExtractProgress) => ctx.onProgress?.({ type: 'extract', progress }),
    openLabels: (model: Parameters<typeof openLabelStore>[1]) => openLabelStore(annotations.root, model, annotations.path),
  };
  return outOfCoreOrInMemory<ServedSession>(options?.headMode, async () => {
    const s = await StreamedSession.open(common);
    s.timings.unshift(...timings);
    return s;
  }, async () => {
    const { signal, onProgress, ...req } = common;
    return (await openAnalysis({ ...req, signal, onProgress, runExtract: extractInProcess })).session;
  });
}

/**
 * Runs the session job in this (child) process: opens the session, reports 'ready', then answers queries one at a
 * time (a label change finishes before the next page is read) until cancelled; resolves null then. A tuning run goes
 * beside the queue (pages stay quick while it trains) and stops on `session-cancel`.
 */
export async function runSessionJob(request: SessionJobRequest, ctx: JobHooks<SessionProgress> & { deps?: ExtractDeps }): Promise<null> {
  const s = await openServed(request, ctx);
  ctx.onProgress?.({ type: 'ready' });
  let chain = Promise.resolve();
  // the running tuning and sensitivity queries, which `session-cancel` stops
  const cancellable = new Map<number, AbortController>();
  const reply = async (id: number, run: () => Promise<unknown>): Promise<void> => {
    try {
      ctx.onProgress?.({ type: 'answer', id, value: await run() });
    } catch (e) {
      ctx.onProgress?.({ type: 'answer', id, error: serializeError(e) });
    }
  };
  const onMessage = (m: unknown): void => {
    if (isCancel(m)) {
      cancellable.get(m.id)?.abort();
      return;
    }
    if (!isQuery(m)) return;
    const q = m.query;
    if (q.kind === 'tune') {
      const abort = new AbortController();
      cancellable.set(m.id, abort);
      void reply(m.id, () => tuneServed(s, q, abort.signal, (e) => ctx.onProgress?.({ type: 'event', id: m.id, value: e }))).finally(() => cancellable.delete(m.id));
      return;
    }
    if (q.kind === 'sensitivity') {
      // in the queue (it reads the session's columns), cancellable like a tuning run, its progress as events
      const abort = new AbortController();
      cancellable.set(m.id, abort);
      chain = chain.then(() => reply(m.id, () => sensitivityServed(s, q, abort.signal, (p) => ctx.onProgress?.({ type: 'event', id: m.id, value: p }))).finally(() => cancellable.delete(m.id)));
      return;
    }
    chain = chain.then(() => reply(m.id, () => answer(s, q)));
  };
  process.on('message', onMessage);
  try {
    await new Promise<void>((resolve) => {
      if (ctx.signal?.aborted) return resolve();
      ctx.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    process.off('message', onMessage);
    for (const a of cancellable.values()) a.abort();
  }
  return null;
}
