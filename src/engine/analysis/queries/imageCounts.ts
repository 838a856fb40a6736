// What both sessions (in memory and streamed) count over their image rows: excluded images, images per split,
// validation accuracy, and the class index without the excluded rows. One copy, so the two cannot disagree.
import { buildClassIndex, SPLIT_VAL, type ClassIndex } from '../../../core/classIndex';

/** The rows of one session: class label per image (-1: not a dataset class), split, and the review's exclusions (1 = out). */
export interface ImageRows {
  readonly labels: Int32Array;
  readonly split: Uint8Array;
  readonly excluded: Uint8Array;
}

/** Images marked excluded. */
export function excludedCount(r: ImageRows): number {
  let n = 0;
  for (const x of r.excluded) n += x;
  return n;
}

/** Labeled images per split, excluded ones left out. */
export function splitCounts(r: ImageRows): { train: number; val: number } {
  let train = 0;
  let val = 0;
  for (let i = 0; i < r.labels.length; i++) {
    if (r.labels[i] < 0 || r.excluded[i]) continue;
    if (r.split[i] === SPLIT_VAL) val++;
    else train++;
  }
  return { train, val };
}

/** Accuracy (a fraction) over the labeled, not excluded validation images; NaN when there are none. */
export function valAccuracy(r: ImageRows, correct: Uint8Array): number {
  let n = 0;
  let ok = 0;
  for (let i = 0; i < r.labels.length; i++) {
    if (r.split[i] !== SPLIT_VAL || r.labels[i] < 0 || r.excluded[i]) continue;
    n++;
    ok += correct[i];
  }
  return n ? ok / n : NaN;
}

/**
 * Marks the rows of `ids` (unknown ids are ignored) excluded, clearing earlier marks, and builds the class index
 * without them (a negative label is how the index skips a row).
 */
export function indexWithout(r: ImageRows, byRel: ReadonlyMap<string, number>, ids: Iterable<string>, classes: number): ClassIndex {
  r.excluded.fill(0);
  for (const id of ids) {
    const i = byRel.get(id);
    if (i !== undefined) r.excluded[i] = 1;
  }
  const labels = r.labels.map((c, i) => (r.excluded[i] ? -1 : c));
  return buildClassIndex(labels, r.split, classes);
}
