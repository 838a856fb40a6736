// The review tab's whole queue as one query (so the session's process answers it; the extension host only adds
// thumbnails): images the review file marks, the engine's picks (negative-gap classes' high ends, collisions), then
// misclassified validation images, most probable first.
import type { ImageEntry } from '../../dataset/types';
import { sessionCollisions } from '../collisionsView';
import { MAX_REVIEW_QUEUE, reviewQueue } from './reviewQueue';
import { predictedName, spuriosityOf, type SessionView } from './sessionView';

/** Misclassified validation images added to the queue (most probable first): where label errors usually show first. */
export const MISCLASSIFIED_IMAGES = 20;

/** One queue entry with the facts the tab shows. */
export interface ReviewItemData {
  row: number;
  entry: ImageEntry;
  reason: 'negative-gap' | 'collision' | 'marked' | 'misclassified';
  note: string;
  label: string;
  predicted: string;
  spuriosity: number | null;
  labelError: boolean;
  excluded: boolean;
}

const MARKED_NOTE = {
  excluded: 'excluded by you: left out of rankings, gaps and tuning sets',
  labelError: 'flagged by you as a label error (still in the analysis)',
};

/** Validation images of the dataset's classes the head gets wrong, most confident first (ties: lower row), not in `seen`. */
function misclassified(s: SessionView, seen: Set<number>, confidence: (row: number) => number | null): Array<Omit<ReviewItemData, 'entry' | 'labelError' | 'excluded'>> {
  const rows: Array<{ row: number; p: number }> = [];
  for (const cls of s.datasetClassIds) {
    for (const row of s.index.val[cls]) if (!s.correct[row] && !seen.has(row)) rows.push({ row, p: confidence(row) ?? -1 });
  }
  rows.sort((a, b) => b.p - a.p || a.row - b.row);
  return rows.slice(0, MISCLASSIFIED_IMAGES).map(({ row, p }) => {
    const predicted = predictedName(s, row);
    return {
      row, reason: 'misclassified' as const, label: s.classNames[s.labels[row]], predicted, spuriosity: spuriosityOf(s, row),
      note: `predicted ${predicted}${p >= 0 ? ` with probability ${p.toFixed(2)}` : ''}: a wrong label, or an image that is hard to read`,
    };
  });
}

/** Misclassified validation rows of the dataset's classes (the candidates whose confidence the queue needs). */
export function misclassifiedRows(s: SessionView): number[] {
  const out: number[] = [];
  for (const cls of s.datasetClassIds) for (const row of s.index.val[cls]) if (!s.correct[row]) out.push(row);
  return out;
}

/**
 * The review queue: images the review file marks (excluded, or flagged in `labelErrors`), then the engine's picks,
 * then misclassified validation images (by `confidence`, the session's by default); at most MAX_REVIEW_QUEUE.
 */
export function reviewItems(s: SessionView, labelErrors: Iterable<string>, confidence: (row: number) => number | null = (r) => s.confidence(r)): ReviewItemData[] {
  const flagged = new Set(labelErrors);
  const marked: Array<{ row: number; note: string }> = [];
  s.entries.forEach((e, row) => {
    if (s.excluded[row]) marked.push({ row, note: MARKED_NOTE.excluded });
    else if (flagged.has(e.rel)) marked.push({ row, note: MARKED_NOTE.labelError });
  });
  const picks: Array<Omit<ReviewItemData, 'entry' | 'labelError' | 'excluded'>> = reviewQueue(s, sessionCollisions(s), marked);
  picks.push(...misclassified(s, new Set(picks.map((p) => p.row)), confidence).slice(0, Math.max(0, MAX_REVIEW_QUEUE - picks.length)));
  return picks.map((p) => {
    const entry = s.entries[p.row];
    return { ...p, entry, labelError: flagged.has(entry.rel), excluded: s.excluded[p.row] === 1 };
  });
}
