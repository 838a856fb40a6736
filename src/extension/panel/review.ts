// The review tab's host side: collision pairs, the queue of images worth a second look, and the marks a review
// makes on images (label error, excluded), kept in the review file beside the annotations.
import * as vscode from 'vscode';
import type { CollisionPairData, ReviewItemData } from '../../engine/api/analysis';
import { defaultReviewPath, reviewExcluded, ReviewFileStore } from '../../engine/api/stores';
import type { CollisionPair, ReviewItem, ReviewMarkKind } from '../../shared/protocol';
import type { PanelBackend } from './backend';

/** Collision pairs for the review tab (the session answers them). */
export async function collisionPairs(b: PanelBackend): Promise<CollisionPair[]> {
  const s = b.session();
  if (!s) return [];
  const found = await s.ask<CollisionPairData[]>({ kind: 'collisions' });
  return found.map((c) => ({ spuriousClass: c.spuriousClass, coreClass: c.coreClass, feature: c.feature, confusions: c.confusions }));
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

/** What marking needs of the ranked dataset: its folder, and who re-ranks when the exclusions change. */
export interface ReviewTarget {
  root: string;
  setExcluded(ids: string[]): Promise<void>;
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
    await t.setExcluded(store.excluded());
    return true;
  }
}

/**
 * Images worth a second look, with thumbnails and their review marks: the engine's queue, led by the images the review
 * file marks (excluded or flagged as a label error), then negative-gap classes' highest-spuriosity images and collisions.
 */
export async function reviewQueue(b: PanelBackend, webview: vscode.Webview): Promise<ReviewItem[]> {
  const s = b.session();
  if (!s) return [];
  const labelErrors = await b.analyses.review.labelErrors();
  const picks = await s.ask<ReviewItemData[]>({ kind: 'reviewQueue', labelErrors: [...labelErrors] });
  b.remember(picks.map((p) => p.entry));
  const thumbs = await Promise.all(picks.map((p) => b.thumbs()!.ensure(p.entry)));
  return picks.map((p, j) => ({
    id: p.entry.rel, thumbUri: webview.asWebviewUri(vscode.Uri.file(thumbs[j])).toString(),
    label: p.label, predicted: p.predicted, spuriosity: p.spuriosity, reason: p.reason, note: p.note,
    labelError: p.labelError, excluded: p.excluded,
  }));
}
