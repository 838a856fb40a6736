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
}

/** A page of a class's gallery, the size of the whole list, and the features a heat overlay should show. */
export interface ClassPageResult {
  rows: ClassPageRow[];
  total: number;
  /** The class's spurious features, or its top features while none is labeled spurious. */
  overlayFeatures: number[];
}

/** A class's images in one split: in ranking order when it has a ranking (ascending or descending), else by image index. */
export function classPage(s: SessionView, req: ClassPageRequest): ClassPageResult {
  const { cls, split } = req;
  const r = s.spuriosity.rankings[cls]?.[split];
  const ids = r ? r.order : (split === 'val' ? s.index.val[cls] : s.index.train[cls]);
  const n = ids.length;
  const start = Math.max(0, Math.min(n, Math.floor(req.offset)));
  const end = Math.min(n, start + Math.max(0, Math.floor(req.count)));
  const rows: ClassPageRow[] = [];
  for (let p = start; p < end; p++) {
    // descending pages read the ascending ranking from its end: the exact reverse, ties included
    const at = req.order === 'asc' ? p : n - 1 - p;
    const row = ids[at];
    rows.push({
      row, entry: s.entries[row], spuriosity: r ? r.scores[at] : null,
      label: s.classNames[s.labels[row]], predicted: predictedName(s, row), correct: s.correct[row] === 1,
    });
  }
  const spurious = s.spuriosity.spurious[cls] ?? [];
  return { rows, total: n, overlayFeatures: spurious.length ? spurious : (s.importance[cls]?.top ?? []) };
}
