// Which gallery pages to ask the host for. The gallery may hold 10,000 images; only the pages
// around the visible range are requested, each once, and the cache is dropped when the class,
// order, split or overlay changes (the host's answers for another key are ignored).
import type { ClassPage, ClassPageItem, GalleryFilter, HeatChoice, SortOrder, Split } from '../../shared/protocol';
import { formatPercent, formatZ } from '../lib/format';

/** Identifies one ordering of one class's images, with its filter and (when the overlay is on) what the overlay shows. */
export interface GalleryKey {
  class: string;
  order: SortOrder;
  split: Split;
  overlay: boolean;
  heat?: HeatChoice;
  filter?: GalleryFilter;
}

/** A filter in a canonical form: absent and empty fields are the same filter. */
export function filterKey(f: GalleryFilter | undefined): string {
  return JSON.stringify([f?.correct ?? null, f?.predicted ?? null, f?.labelError ?? null]);
}

/** True when the filter lets every image through. */
export function noFilter(f: GalleryFilter | undefined): boolean {
  return f?.correct === undefined && f?.predicted === undefined && f?.labelError === undefined;
}

const heatKey = (k: Pick<GalleryKey, 'overlay' | 'heat'>): string =>
  (!k.overlay ? '' : k.heat?.mode === 'feature' ? `f${k.heat.feature}` : k.heat?.mode ?? 'spurious');

/** The key a page from the host answers (its overlay features tell which feature a single-feature overlay shows). */
export function keyOfPage(p: ClassPage): GalleryKey {
  const heat: HeatChoice | undefined = p.heat ? (p.heat.mode === 'feature' ? { mode: 'feature', feature: p.heat.features[0] } : { mode: p.heat.mode }) : undefined;
  return { class: p.class, order: p.order, split: p.split, overlay: p.overlay, ...(heat ? { heat } : {}), ...(p.filter ? { filter: p.filter } : {}) };
}

/** True when two keys name the same gallery. */
export function sameKey(a: GalleryKey, b: GalleryKey): boolean {
  return a.class === b.class && a.order === b.order && a.split === b.split && a.overlay === b.overlay
    && heatKey(a) === heatKey(b) && filterKey(a.filter) === filterKey(b.filter);
}

/** The tile's hover text: file, prediction with probability, spuriosity and rank. */
export function tileTooltip(it: ClassPageItem, index: number, classTotal: number | null, split: Split): string {
  const rank = it.rank ?? index;
  const prob = it.confidence === null || it.confidence === undefined ? '' : ` (${formatPercent(it.confidence)})`;
  return [
    it.id,
    `predicted ${it.predicted}${prob}${it.correct ? '' : ` — wrong, label ${it.label}`}`,
    `spuriosity ${formatZ(it.spuriosity)}`,
    `rank ${rank + 1}${classTotal ? ` of ${classTotal}` : ''} in ${split === 'val' ? 'validation' : 'training'} (1 = lowest spuriosity)`,
    ...(it.labelError ? ['flagged as a label error in the review file'] : []),
  ].join('\n');
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

  /** Images of the class before the filter, once a page told. */
  classTotal: number | null = null;

  /** Stores a page from the host; returns false (and stores nothing) when it belongs to another key. */
  put(page: ClassPage): boolean {
    if (!sameKey(this.key, keyOfPage(page))) return false;
    this.total = page.total;
    this.classTotal = page.classTotal ?? page.total;
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

/** Keys that move the gallery's focused tile. */
export const GALLERY_KEYS: readonly string[] = ['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'];

/**
 * The tile a key moves the focus to from `index`, in a grid of `columns` columns holding `total` tiles in reading
 * order: arrows by one tile or one row (down from a row above a shorter last row lands on the last tile), Home/End
 * to the first/last tile, PageUp/PageDown by `pageRows` rows in the same column. The same index at an edge;
 * null for a key that does not move the focus.
 */
export function moveFocus(index: number, key: string, columns: number, total: number, pageRows = 1): number | null {
  if (!GALLERY_KEYS.includes(key)) return null;
  if (total <= 0) return null;
  const cols = Math.max(1, Math.floor(columns));
  const last = total - 1;
  const i = Math.min(Math.max(0, index), last);
  const down = (rows: number): number => {
    const j = i + rows * cols;
    if (j <= last) return j;
    // the last row may be shorter: go to its last tile if it is below, else stay
    return Math.floor(last / cols) > Math.floor(i / cols) ? Math.min(last, Math.floor(last / cols) * cols + (i % cols)) : i;
  };
  const up = (rows: number): number => Math.max(i % cols, i - rows * cols);
  switch (key) {
    case 'ArrowLeft': return Math.max(0, i - 1);
    case 'ArrowRight': return Math.min(last, i + 1);
    case 'ArrowUp': return up(1);
    case 'ArrowDown': return down(1);
    case 'Home': return 0;
    case 'End': return last;
    case 'PageUp': return up(Math.max(1, pageRows));
    default: return down(Math.max(1, pageRows));
  }
}

/** Columns of a laid-out grid, from the left edges of its rendered tiles (tiles of one column share a left edge). */
export function columnsFromLefts(lefts: readonly number[]): number {
  return Math.max(1, new Set(lefts.map((x) => Math.round(x))).size);
}

/** The scrollTop that brings [top, top + height) into a view of viewHeight with a margin, moving as little as possible; null when it is in view. */
export function scrollToShow(top: number, height: number, scrollTop: number, viewHeight: number, margin = 0): number | null {
  if (top < scrollTop) return Math.max(0, top - margin);
  if (top + height > scrollTop + viewHeight) return top + height - viewHeight + margin;
  return null;
}
