import type { Split } from '../../../core/types';
import type { ImageEntry } from '../../dataset/types';
import { predictedName, type SessionView } from './sessionView';

/** Which slice of a class's gallery: 'asc' is lowest spuriosity first. */
export interface ClassPageRequest {
  cls: number;
  split: Split;
  order: 'asc' | 'desc';
  offset: number;
  count: number;
  /** Keeps only images that pass (applied before the page is cut, so `total` counts what passes). */
  filter?: ClassPageFilter;
}

/** The gallery's filters: prediction right or wrong, predicted class (head-space id), flagged as a label error or not. */
export interface ClassPageFilter {
  correct?: boolean;
  predicted?: number;
  labelError?: boolean;
  /** Image ids flagged as label errors (the review file's), for `labelError`. */
  labelErrors?: string[];
}

/** One gallery tile's facts. */
export interface ClassPageRow {
  row: number;
  entry: ImageEntry;
  /** Spuriosity, or null when the class has no ranking yet. */
  spuriosity: number | null;
  label: string;
  predicted: string;
  correct: boolean;
  /** Position in the class's ascending list (0 = lowest spuriosity), whatever the order and the filter. */
  rank: number;
}

/** A page of a class's gallery, the size of the whole list, and the features a heat overlay should show. */
export interface ClassPageResult {
  rows: ClassPageRow[];
  total: number;
  /** The class's images in this split before the filter. */
  classTotal: number;
  /** The class's spurious features, or its top features while none is labeled spurious. */
  overlayFeatures: number[];
}

/** A class's images in one split: in ranking order when it has a ranking (ascending or descending), else by image index. */
export function classPage(s: SessionView, req: ClassPageRequest): ClassPageResult {
  const { cls, split } = req;
  const r = s.spuriosity.rankings[cls]?.[split];
  const ids = r ? r.order : (split === 'val' ? s.index.val[cls] : s.index.train[cls]);
  const kept = keptPositions(s, ids, req.filter);
  const n = kept ? kept.length : ids.length;
  const start = Math.max(0, Math.min(n, Math.floor(req.offset)));
  const end = Math.min(n, start + Math.max(0, Math.floor(req.count)));
  const rows: ClassPageRow[] = [];
  for (let p = start; p < end; p++) {
    // descending pages read the ascending ranking from its end: the exact reverse, ties included
    const q = req.order === 'asc' ? p : n - 1 - p;
    const at = kept ? kept[q] : q;
    const row = ids[at];
    rows.push({
      row, entry: s.entries[row], spuriosity: r ? r.scores[at] : null,
      label: s.classNames[s.labels[row]], predicted: predictedName(s, row), correct: s.correct[row] === 1, rank: at,
    });
  }
  const spurious = s.spuriosity.spurious[cls] ?? [];
  return { rows, total: n, classTotal: ids.length, overlayFeatures: spurious.length ? spurious : (s.importance[cls]?.top ?? []) };
}

/** Positions (into the ascending list) of the images passing the filter, or null when nothing filters. */
function keptPositions(s: SessionView, ids: Int32Array, f: ClassPageFilter | undefined): number[] | null {
  if (!f || (f.correct === undefined && f.predicted === undefined && f.labelError === undefined)) return null;
  const flagged = new Set(f.labelErrors ?? []);
  const out: number[] = [];
  for (let j = 0; j < ids.length; j++) {
    const i = ids[j];
    if (f.correct !== undefined && (s.correct[i] === 1) !== f.correct) continue;
    if (f.predicted !== undefined && s.predictions[i] !== f.predicted) continue;
    if (f.labelError !== undefined && flagged.has(s.entries[i].rel) !== f.labelError) continue;
    out.push(j);
  }
  return out;
}
