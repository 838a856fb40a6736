// The review tab's host side: collision pairs, the queue of images worth a second look, and the marks a review
// makes on images (label error, excluded), kept in the review file beside the annotations.
import * as vscode from 'vscode';
import { sessionCollisions } from '../../engine/analysis/collisionsView';
import { MAX_REVIEW_QUEUE, reviewQueue as sessionReviewQueue, type ReviewPick } from '../../engine/analysis/queries/reviewQueue';
import { predictedName, spuriosityOf } from '../../engine/analysis/queries/sessionView';
import type { AnalysisSession } from '../../engine/analysis/session';
import { defaultReviewPath, reviewExcluded, ReviewFileStore } from '../../engine/review/store';
import type { CollisionPair, ReviewItem, ReviewMarkKind } from '../../shared/protocol';
import type { PanelBackend } from './backend';

/** Collision pairs for the review tab. */
export function collisionPairs(b: PanelBackend): CollisionPair[] {
  const s = b.session();
  if (!s) return [];
  return sessionCollisions(s).map((c) => ({
    spuriousClass: s.classNames[c.spuriousClass], coreClass: s.classNames[c.coreClass], feature: c.feature,
    confusions: Math.round(c.confusion * c.n),
  }));
}

/**
 * The image ids a dataset's review file excludes, for opening its analysis. A malformed file is reported (log and a
 * warning naming it) and excludes nothing: the ranking goes on, and the file is left as it is for the user to fix.
 */
export async function reviewedExclusions(root: string, log: vscode.LogOutputChannel): Promise<string[]> {
  try {
    const ids = await reviewExcluded(defaultReviewPath(root));
    if (ids.length) log.info(`Review file ${defaultReviewPath(root)}: ${ids.length} image(s) excluded from rankings, gaps and tuning`);
    return ids;
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    log.warn(`Review file not used: ${message}`);
    void vscode.window.showWarningMessage(`Spuriosity Lens: the review file is not valid, so no image is excluded: ${message}`);
    return [];
  }
}

/** What marking needs of the ranked dataset. */
export interface ReviewTarget {
  root: string;
  session: AnalysisSession;
}

/** The ranked dataset's review file: marks persist at once; an exclusion re-ranks (the image leaves rankings and gaps). */
export class ReviewMarks {
  private open: { root: string; store: Promise<ReviewFileStore> } | null = null;

  constructor(private readonly target: () => ReviewTarget | undefined) {}

  /** The review file store of the ranked dataset (opened once per dataset); undefined when nothing is ranked. */
  store(): Promise<ReviewFileStore> | undefined {
    const t = this.target();
    if (!t) return undefined;
    if (this.open?.root !== t.root) {
      const store = ReviewFileStore.open(defaultReviewPath(t.root), t.root);
      store.catch(() => { if (this.open?.store === store) this.open = null; }); // a malformed file: try again next time
      this.open = { root: t.root, store };
    }
    return this.open.store;
  }

  /** Ids flagged as label errors (empty when the file is missing or malformed: the gallery still works). */
  async labelErrors(): Promise<Set<string>> {
    try {
      return (await this.store())?.labelErrors() ?? new Set();
    } catch {
      return new Set();
    }
  }

  /** Sets or clears one mark and writes the file; true when the exclusions changed (rankings and gaps were recomputed). */
  async mark(id: string, kind: ReviewMarkKind, on: boolean): Promise<boolean> {
    const t = this.target();
    const pending = this.store();
    if (!t || !pending) return false;
    const store = await pending;
    await store.change(id, { [kind]: on });
    if (kind !== 'excluded') return false;
    t.session.setExcluded(store.excluded());
    return true;
  }
}

/** Misclassified validation images added to the queue (most probable first): where label errors usually show first. */
const MISCLASSIFIED_IMAGES = 20;

/** A queue entry before its thumbnail: the engine's picks plus this module's misclassified images. */
type QueuePick = Omit<ReviewPick, 'reason'> & { reason: ReviewItem['reason'] };

/** Validation images of the dataset's classes the head gets wrong, most confident first (ties: lower row), not in `seen`. */
function misclassified(s: AnalysisSession, seen: Set<number>): QueuePick[] {
  const rows: Array<{ row: number; p: number }> = [];
  for (const cls of s.datasetClassIds) {
    for (const row of s.index.val[cls]) if (!s.correct[row] && !seen.has(row)) rows.push({ row, p: s.confidence(row) ?? -1 });
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

const MARKED_NOTE = {
  excluded: 'excluded by you: left out of rankings, gaps and tuning sets',
  labelError: 'flagged by you as a label error (still in the analysis)',
};

/**
 * Images worth a second look, with thumbnails and their review marks: the engine's queue, led by the images the review
 * file marks (excluded or flagged as a label error), then negative-gap classes' highest-spuriosity images and collisions.
 */
export async function reviewQueue(b: PanelBackend, webview: vscode.Webview): Promise<ReviewItem[]> {
  const s = b.session();
  if (!s) return [];
  const labelErrors = await b.analyses.review.labelErrors();
  const marked: Array<{ row: number; note: string }> = [];
  s.entries.forEach((e, row) => {
    if (s.excluded[row]) marked.push({ row, note: MARKED_NOTE.excluded });
    else if (labelErrors.has(e.rel)) marked.push({ row, note: MARKED_NOTE.labelError });
  });
  const picks: QueuePick[] = sessionReviewQueue(s, sessionCollisions(s), marked);
  picks.push(...misclassified(s, new Set(picks.map((p) => p.row))).slice(0, Math.max(0, MAX_REVIEW_QUEUE - picks.length)));
  const thumbs = await Promise.all(picks.map((p) => b.thumbs()!.ensure(s.entries[p.row])));
  return picks.map((p, j) => {
    const id = s.entries[p.row].rel;
    return {
      id, thumbUri: webview.asWebviewUri(vscode.Uri.file(thumbs[j])).toString(),
      label: p.label, predicted: p.predicted, spuriosity: p.spuriosity, reason: p.reason, note: p.note,
      labelError: labelErrors.has(id), excluded: s.excluded[p.row] === 1,
    };
  });
}
