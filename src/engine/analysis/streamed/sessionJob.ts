// The out-of-core session as a long-lived job of the child-process host (engine/jobs/table.ts 'session'): the child
// opens the StreamedSession (features stay in the cache, in that process) and answers the host's queries (pages,
// feature cards, image details, labels, exclusions, rankings and gaps) until the host cancels the job. The host never
// holds a feature: it gets page-sized answers. Queries travel as `session-query` messages on the same IPC channel
// (the generic host ignores them), answers as the job's progress.
import type { JobHooks } from '../../runner/runner';
import type { ExtractDeps, ExtractProgress, ExtractRequest } from '../../extract/types';
import type { Dataset } from '../../dataset/types';
import { openLabelStore } from '../fileLabelStore';
import { openDataset } from '../openAnalysis';
import { classPage, type ClassPageRequest } from '../queries/classPage';
import { classStats, labelingOrder } from '../queries/classStats';
import { featureCards, imageDetail } from '../queries/imageDetail';
import { gapReport, rankReport } from '../report';
import type { AnalysisOptions } from '../session';
import type { FeatureVerdict } from '../labels';
import { StreamedSession } from './streamedSession';

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

/** What the host can ask an open session. */
export type SessionQuery =
  | { kind: 'overview' }
  | { kind: 'classPage'; request: ClassPageRequest }
  | { kind: 'featureCards'; cls: number }
  | { kind: 'imageDetail'; id: string }
  | { kind: 'setLabel'; cls: string; feature: number; verdict: FeatureVerdict | null }
  | { kind: 'setExcluded'; ids: string[] }
  | { kind: 'rankReport'; show?: number }
  | { kind: 'gapReport' };

/** The message a query travels in (parent -> child). */
export interface SessionQueryMessage {
  type: 'session-query';
  id: number;
  query: SessionQuery;
}

/** The session job's progress: the extraction's while it opens, then 'ready', then one answer per query. */
export type SessionProgress =
  | { type: 'extract'; progress: ExtractProgress }
  | { type: 'ready' }
  | { type: 'answer'; id: number; value?: unknown; error?: { name: string; message: string } };

/** Answers one query against the session. */
export async function answer(s: StreamedSession, q: SessionQuery): Promise<unknown> {
  switch (q.kind) {
    case 'overview':
      return {
        images: s.entries.length, classNames: s.classNames, datasetClassIds: s.datasetClassIds, headSource: s.headSource, unmapped: s.unmapped,
        splits: s.splitCounts(), classes: classStats(s), labelingOrder: labelingOrder(s), gaps: s.gaps, topK: s.options.topK,
      };
    case 'classPage':
      return classPage(s, q.request);
    case 'featureCards':
      return featureCards(s, q.cls);
    case 'imageDetail': {
      const row = s.indexOf(q.id);
      if (row === undefined) throw new Error(`"${q.id}" is not an image of the analysed dataset`);
      await s.loadRow(row);
      return imageDetail(s, row);
    }
    case 'setLabel':
      await s.setLabel(q.cls, q.feature, q.verdict);
      return { gaps: s.gaps, classes: classStats(s) };
    case 'setExcluded':
      return { excluded: await s.setExcluded(q.ids), gaps: s.gaps };
    case 'rankReport':
      return rankReport(s, q.show);
    case 'gapReport':
      return gapReport(s);
  }
}

const isQuery = (m: unknown): m is SessionQueryMessage => (m as { type?: unknown } | null)?.type === 'session-query';

/**
 * Runs the session job in this (child) process: opens the session, reports 'ready', then answers queries one at a
 * time (a label change finishes before the next page is read) until cancelled; resolves null then.
 */
export async function runSessionJob(request: SessionJobRequest, ctx: JobHooks<SessionProgress> & { deps?: ExtractDeps }): Promise<null> {
  const { annotations, options, root, dataset, ...extract } = request;
  if (!dataset && !root) throw new Error('the session job needs a dataset or its root folder');
  const s = await StreamedSession.open({
    ...extract, dataset: dataset ?? await openDataset(root!, extract.cacheDir), options, deps: ctx.deps, signal: ctx.signal,
    onProgress: (progress) => ctx.onProgress?.({ type: 'extract', progress }),
    openLabels: (model) => openLabelStore(annotations.root, model, annotations.path),
  });
  ctx.onProgress?.({ type: 'ready' });
  let chain = Promise.resolve();
  const onMessage = (m: unknown): void => {
    if (!isQuery(m)) return;
    chain = chain.then(async () => {
      try {
        ctx.onProgress?.({ type: 'answer', id: m.id, value: await answer(s, m.query) });
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        ctx.onProgress?.({ type: 'answer', id: m.id, error: { name: err.name, message: err.message } });
      }
    });
  };
  process.on('message', onMessage);
  try {
    await new Promise<void>((resolve) => {
      if (ctx.signal?.aborted) return resolve();
      ctx.signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  } finally {
    process.off('message', onMessage);
  }
  return null;
}
