// Fine-tuning out of core: the same run as analysis/tune's tuneHead (same tuning set, same optimiser, same
// evaluation), over only the rows it touches. The tuning set's and the validation set's feature rows are read from
// the cache and kept as its float16 bits (exact: they are the cache's values), decoded to float32 a batch or chunk
// at a time; no other row is ever read. ImageNet's paper setting: 100 per class = 100k tuning rows and 50k
// validation rows x 2,048 features, 614 MB, instead of 1.33M float32 rows (10.9 GB).
import { checkPresetKnobs, type HeadEvaluation } from '../../../core/mitigate';
import { predict } from '../../../core/linalg';
import { selectTuningSet, type TuningMethod } from '../../../core/tuningSet';
import type { ClassRanking } from '../../../core/spuriosity';
import type { LinearHead } from '../../../core/types';
import type { FeatureCache } from '../../cache/featureCache';
import type { ImageEntry } from '../../dataset/types';
import { evaluateValPredictions, tuneRowIds, type TuneProblem } from '../../train/tuneProblem';
import { toFloat32Rows, TuneRowsBuilder } from '../../train/tuneRows';
import { ORT_TUNING_MIN_MACS, TUNE_K_SHARE, tuneInProcess, tuneWithOrt, type TuneOptions, type TuneOutcome } from '../tune';
import type { ClassIndex } from '../../../core/classIndex';
import { AnalysisSession } from '../session';
import { tuneHead } from '../tune';
import type { StreamedSession } from './streamedSession';

/** What the streamed tuning reads of a session. */
export interface StreamedTuneSource {
  readonly entries: ImageEntry[];
  readonly labels: Int32Array;
  readonly index: ClassIndex;
  readonly predictions: Int32Array;
  readonly head: LinearHead;
  readonly spuriosity: { rankings: (ClassRanking | null)[] };
  readonly options: { gapK: number };
  readonly featureCache: FeatureCache;
}

/** Reads the tuning and validation rows (tuning first, then validation, each image once) from the cache: tuneProblem's layout. */
export async function readTuneProblem(s: StreamedTuneSource, tuning: Int32Array, valImages: Int32Array, rankings: (ClassRanking | null)[]): Promise<TuneProblem> {
  const D = s.head.dim;
  const { ids, t, v } = tuneRowIds(tuning, valImages);
  const rows = new TuneRowsBuilder(ids.length, D);
  const x = new Float32Array(D);
  // lookupRows visits shards in turn; read in ascending image order so each shard is read once
  const order = Int32Array.from(ids.keys()).sort((a, b) => ids[a] - ids[b]);
  const keys = Array.from(order, (r) => s.entries[ids[r]]);
  const look = await s.featureCache.lookupRows(keys, (first, count, body, row) => {
    for (let q = 0; q < count; q++) {
      body.copyPooled(row + q, 1, x, 0);
      rows.setRow(order[first + q], x, 0);
    }
  });
  if (look.hits !== keys.length) {
    throw new Error(`the feature cache in ${s.featureCache.dir} no longer holds ${keys.length - look.hits} of the tuning and validation images (was it cleared or recomputed by another run?): open the analysis again`);
  }
  return { rows: rows.done(), rowIds: Int32Array.from(ids), labels: s.labels, tuning: t, val: v, rankings, gapK: s.options.gapK, head: s.head };
}

/** Predicts the problem's validation rows with a candidate head: mean gap over ranked classes (no bootstrap) and accuracy, as gapEvaluator. */
export function problemEvaluator(p: TuneProblem): (head: LinearHead) => HeadEvaluation {
  const rows = toFloat32Rows(p.rows);
  return (head) => evaluateValPredictions(p, predict(rows, head, p.val));
}

/**
 * tuneHead out of core: the tuning set of `method` from the rankings, its rows and the validation rows read from the
 * cache, then ONNX Runtime (from ORT_TUNING_MIN_MACS on, when `ortRunner` is given, as tuneHead decides) or core's
 * optimiser over those rows. The same head and history as tuneHead on the in-memory session.
 */
export async function tuneStreamed(s: StreamedTuneSource, method: TuningMethod, opts: TuneOptions = {}): Promise<TuneOutcome> {
  // a label change while this runs re-ranks a class in the session: the run keeps the rankings it started with
  const rankings = s.spuriosity.rankings.slice();
  if (!rankings.some((r) => r)) {
    throw new Error('No class has a spurious feature yet, so there is nothing to tune against: label at least one top feature "spurious" first.');
  }
  checkPresetKnobs(opts);
  const tuning = selectTuningSet(rankings, s.index, { method, k: opts.k ?? 100, maxShare: opts.kShare ?? TUNE_K_SHARE, seed: opts.seed ?? 0, predictions: s.predictions });
  const valImages = Int32Array.from(s.index.val.flatMap((v) => Array.from(v)));
  const problem = await readTuneProblem(s, tuning, valImages, rankings);
  const macs = tuning.length * s.head.dim * s.head.classes;
  const ort = opts.trainer === 'ort' || (opts.trainer !== 'js' && opts.ortRunner !== undefined && macs >= ORT_TUNING_MIN_MACS);
  if (ort) return tuneWithOrt(method, problem, tuning.length, opts);
  // core's plain-JavaScript optimiser reads float32 rows (small below ORT_TUNING_MIN_MACS, where it is chosen by default)
  const features = toFloat32Rows(problem.rows);
  return tuneInProcess(method, {
    features, labels: Int32Array.from(problem.rowIds, (id) => s.labels[id]), head: s.head, tuning: problem.tuning,
    evaluate: problemEvaluator({ ...problem, rows: features }), statsRows: Int32Array.from({ length: problem.rows.rows }, (_, i) => i),
  }, opts);
}

/** Fine-tunes either session's head: out of core for a StreamedSession (only its tuning and validation rows read), tuneHead in memory. */
export function tuneAnalysis(s: AnalysisSession | StreamedSession, method: TuningMethod, opts: TuneOptions = {}): Promise<TuneOutcome> {
  return s instanceof AnalysisSession ? tuneHead(s, method, opts) : tuneStreamed(s, method, opts);
}
