// Which gallery pages to ask the host for. The gallery may hold 10,000 images; only the pages
// around the visible range are requested, each once, and the cache is dropped when the class,
// order, split or overlay changes (the host's answers for another key are ignored).
import type { ClassPage, ClassPageItem, SortOrder, Split } from '../../shared/protocol';

/** Identifies one ordering of one class's images. */
export interface GalleryKey {
  class: string;
  order: SortOrder;
  split: Split;
  overlay: boolean;
}

/** True when two keys name the same gallery. */
export function sameKey(a: GalleryKey, b: GalleryKey): boolean {
  return a.class === b.class && a.order === b.order && a.split === b.split && a.overlay === b.overlay;
}

/** Tiles fetched so far for one key, by position; pending pages are remembered so each is asked once. */
export class PageCache {
  readonly items = new Map<number, ClassPageItem>();
  private readonly pending = new Set<number>();
  total: number | null = null;

  constructor(readonly key: GalleryKey, readonly pageSize = 60) {}

  /** Offsets of the pages covering positions first..last that are neither loaded nor pending; marks them pending. */
  claimMissing(first: number, last: number): number[] {
    const out: number[] = [];
    if (last < first) return out;
    const hi = this.total === null ? last : Math.min(last, this.total - 1);
    for (let p = Math.floor(Math.max(0, first) / this.pageSize) * this.pageSize; p <= hi; p += this.pageSize) {
      if (this.pending.has(p) || this.items.has(p)) continue;
      this.pending.add(p);
      out.push(p);
    }
    return out;
  }

  /** Stores a page from the host; returns false (and stores nothing) when it belongs to another key. */
  put(page: ClassPage): boolean {
    if (!sameKey(this.key, page)) return false;
    this.total = page.total;
    this.pending.delete(page.offset);
    page.items.forEach((it, i) => this.items.set(page.offset + i, it));
    return true;
  }

  /** Forgets pending pages (e.g. after the host reported an error) so they can be asked again. */
  resetPending(): void {
    this.pending.clear();
  }
}

/** The range to prefetch around the visible one: one screenful ahead and behind. */
export function prefetchRange(first: number, last: number, total: number): [number, number] {
  const span = Math.max(1, last - first + 1);
  return [Math.max(0, first - span), Math.min(total - 1, last + span)];
}
