import { gapHighEnd } from '../../../core/gap';
import type { Collision } from '../../../core/collisions';
import { signed } from '../../../shared/signed';
import { predictedName, spuriosityOf, type SessionView } from './sessionView';

/** Cap on the review queue, so the tab stays quick with 1,000 classes. */
export const MAX_REVIEW_QUEUE = 300;

/** Why an image is in the review queue. */
export type ReviewQueueReason = 'negative-gap' | 'collision' | 'marked';

/** One image worth a second look, and why. */
export interface ReviewPick {
  row: number;
  reason: ReviewQueueReason;
  note: string;
  label: string;
  predicted: string;
  spuriosity: number | null;
}

/**
 * Images worth a second look, each once: first those the user marked (`marked`, with their notes: an excluded image is
 * in no ranking, so only here), then the highest-spuriosity validation images of every negative-gap class (possible
 * label noise or a second object), then validation images of a collision's spurious class predicted as its core
 * class; at most `max`.
 */
export function reviewQueue(s: SessionView, collisions: Collision[], marked: Array<{ row: number; note: string }> = [], max = MAX_REVIEW_QUEUE): ReviewPick[] {
  const picks: Array<Pick<ReviewPick, 'row' | 'reason' | 'note'>> = [];
  const seen = new Set<number>();
  for (const m of marked) {
    if (seen.has(m.row)) continue;
    seen.add(m.row);
    picks.push({ row: m.row, reason: 'marked', note: m.note });
  }
  for (const g of s.gaps.classes) {
    if (!g.negative) continue;
    const r = s.spuriosity.rankings[g.cls];
    if (!r) continue;
    for (const row of gapHighEnd(r.val, g.k)) {
      if (seen.has(row)) continue;
      seen.add(row);
      picks.push({ row, reason: 'negative-gap', note: `${s.classNames[g.cls]} has a negative gap (${signed(g.gap * 100, 1)} pts): check for a second object or a wrong label` });
    }
  }
  for (const c of collisions) {
    for (const row of s.index.val[c.spuriousClass]) {
      if (s.predictions[row] !== c.coreClass || seen.has(row)) continue;
      seen.add(row);
      picks.push({ row, reason: 'collision', note: `predicted ${s.classNames[c.coreClass]}: feature ${c.feature} is spurious for ${s.classNames[c.spuriousClass]} but core for ${s.classNames[c.coreClass]}` });
    }
  }
  return picks.slice(0, Math.max(0, max)).map((p) => ({
    ...p, label: s.classNames[s.labels[p.row]], predicted: predictedName(s, p.row), spuriosity: spuriosityOf(s, p.row),
  }));
}
