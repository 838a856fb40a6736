// The data of one fine-tuning run, cut down to the rows it touches so it can go to a child process
// (ONNX Runtime must not run on the extension host), and the serialisable options that go with it.
import type { EpochRecord, HeadEvaluation, MitigateOptions, MitigateResult, Schedule } from '../../core/mitigate';
import { spuriousGap } from '../../core/gap';
import { meanGapSe } from '../../core/gapEvaluator';
import type { ClassRanking } from '../../core/spuriosity';
import type { LinearHead, Matrix } from '../../core/types';
import type { Runner } from '../runner/runner';
import type { TuneJobRequest } from './tuneJob';
import type { TuneRows } from './tuneRows';

/** What a fine-tuning run needs, restricted to the rows it touches, so it can cross a process boundary. */
export interface TuneProblem {
  /** Feature rows of the tuning and validation images (a subset of the session's rows, or all of them): float32, or the cache's float16 bits. */
  rows: TuneRows;
  /** The session image index of each row. */
  rowIds: Int32Array;
  /** Class of every session image. */
  labels: Int32Array;
  /** The tuning set as rows of `rows`, in selectTuningSet's order. */
  tuning: Int32Array;
  /** The validation images as rows of `rows`. */
  val: Int32Array;
  /** Spuriosity rankings per class (indices are session image indices). */
  rankings: (ClassRanking | null)[];
  /** k of the gap (top-k vs bottom-k validation images). */
  gapK: number;
  /** The head to start from (not modified). */
  head: LinearHead;
}

/**
 * A candidate head's evaluation from its predictions of the problem's validation rows (`pred[j]` for row `p.val[j]`):
 * mean gap over the ranked classes (no bootstrap) with its standard error, and validation accuracy, as gapEvaluator.
 */
export function evaluateValPredictions(p: Pick<TuneProblem, 'rowIds' | 'labels' | 'val' | 'rankings' | 'gapK'>, pred: ArrayLike<number>): HeadEvaluation {
  const correct = new Uint8Array(p.labels.length);
  let hits = 0;
  for (let j = 0; j < p.val.length; j++) {
    const id = p.rowIds[p.val[j]];
    const ok = pred[j] === p.labels[id] ? 1 : 0;
    correct[id] = ok;
    hits += ok;
  }
  const g = spuriousGap(p.rankings, correct, { k: p.gapK, bootstrap: 0 });
  return { meanGap: g.mean, meanGapSe: meanGapSe(g), valAccuracy: p.val.length ? hits / p.val.length : NaN };
}

/** mitigate's options that can cross a process boundary (no callbacks, no signal). */
export type TuneJobOptions = Pick<MitigateOptions, 'preset' | 'steps' | 'lrScale' | 'lr' | 'batch' | 'maxEpochs' | 'momentum' | 'threshold' | 'seed'
  | 'l2Pull' | 'pullStart' | 'maxIter' | 'gradTol' | 'maxAccuracyDrop'>;

/** Image ids of a tuning problem's rows (each image once, tuning set first) and the tuning and validation sets as row indices. */
export function tuneRowIds(tuning: Int32Array, valImages: Int32Array): { ids: number[]; t: Int32Array; v: Int32Array } {
  const rowOf = new Map<number, number>();
  const ids: number[] = [];
  const rowFor = (id: number): number => {
    let r = rowOf.get(id);
    if (r === undefined) {
      r = ids.length;
      rowOf.set(id, r);
      ids.push(id);
    }
    return r;
  };
  const t = Int32Array.from(tuning, rowFor);
  const v = Int32Array.from(valImages, rowFor);
  return { ids, t, v };
}

/** The rows of `features` a tuning run touches (tuning set first, then validation images), as a TuneProblem. */
export function tuneProblem(features: Matrix, labels: Int32Array, tuning: Int32Array, valImages: Int32Array, rankings: (ClassRanking | null)[], gapK: number, head: LinearHead): TuneProblem {
  const D = features.cols;
  const { ids, t, v } = tuneRowIds(tuning, valImages);
  const data = new Float32Array(ids.length * D);
  ids.forEach((id, r) => data.set(features.data.subarray(id * D, (id + 1) * D), r * D));
  return { rows: { rows: ids.length, cols: D, data }, rowIds: Int32Array.from(ids), labels, tuning: t, val: v, rankings, gapK, head };
}

/** A tuning job's progress: one per epoch (an L-BFGS round), with the schedule it follows. */
export interface TuneEpoch {
  record: EpochRecord;
  schedule: Schedule;
}

/** Runs a tuning job with ONNX Runtime: in this process (the CLI) or in a child process (the extension); engine/jobs registers it. */
export type OrtTuneRunner = Runner<TuneJobRequest, MitigateResult, TuneEpoch>;
