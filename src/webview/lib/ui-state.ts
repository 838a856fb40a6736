// The webview's own UI state (tab, selection, sort, filters), persisted with
// acquireVsCodeApi().setState so a reload or a hidden/shown panel comes back where it was.
// Restoring is defensive: an old or corrupted blob falls back field by field to defaults.
import { TABS as ALL_TABS, type GalleryFilter, type HeatChoice, type SortOrder, type Split, type Tab } from '../../shared/protocol';
import { NO_FILTER, type ClassFilter, type SortDir, type SortKey } from '../overview-view/overview.logic';

/** Everything the panel remembers across reloads. */
export interface UiState {
  tab: Tab;
  /** Class shown in the class view. */
  selectedClass: string | null;
  order: SortOrder;
  /** Split shown in the class gallery: validation rankings drive the gap, training rankings drive mitigation. */
  split: Split;
  overlay: boolean;
  /** Image open in the detail view, if any. */
  detailId: string | null;
  sort: { by: SortKey; dir: SortDir };
  filter: ClassFilter;
  /** Class and feature card focused in the labeling view. */
  labelingClass: string | null;
  labelingFocus: number;
  /** Class shown in the core-crops view. */
  cropsClass: string | null;
  /** What the gallery's heatmap overlay shows, and its opacity (0.1 to 1). */
  heat: HeatChoice;
  heatOpacity: number;
  /** Which images the gallery shows. */
  galleryFilter: GalleryFilter;
}

/** State of a fresh panel. */
export const DEFAULT_UI: UiState = {
  tab: 'overview', selectedClass: null, order: 'asc', split: 'val', overlay: false, detailId: null,
  sort: { by: 'gap', dir: 'desc' }, filter: NO_FILTER, labelingClass: null, labelingFocus: 0, cropsClass: null,
  heat: { mode: 'spurious' }, heatOpacity: 0.6, galleryFilter: {},
};

/** The saved overlay choice, or the default (the spurious mean). */
function restoreHeat(v: unknown): HeatChoice {
  const h = obj(v);
  if (h.mode === 'core') return { mode: 'core' };
  if (h.mode === 'feature' && typeof h.feature === 'number' && Number.isInteger(h.feature) && h.feature >= 0) return { mode: 'feature', feature: h.feature };
  return { mode: 'spurious' };
}

/** The saved gallery filter, field by field. */
function restoreGalleryFilter(v: unknown): GalleryFilter {
  const f = obj(v);
  const out: GalleryFilter = {};
  if (typeof f.correct === 'boolean') out.correct = f.correct;
  if (typeof f.predicted === 'string' && f.predicted !== '') out.predicted = f.predicted;
  if (f.labelError === true) out.labelError = true;
  return out;
}

const TABS = new Set<string>(ALL_TABS);
const SORT_KEYS = new Set(['name', 'images', 'valImages', 'accuracy', 'spuriousFeatures', 'gap']);

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const obj = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/** Rebuilds a UiState from whatever getState() returned. */
export function restoreUiState(saved: unknown): UiState {
  const s = obj(saved);
  const sort = obj(s.sort);
  const filter = obj(s.filter);
  const focus = s.labelingFocus;
  return {
    tab: TABS.has(s.tab as string) ? (s.tab as Tab) : DEFAULT_UI.tab,
    selectedClass: str(s.selectedClass),
    order: s.order === 'desc' ? 'desc' : 'asc',
    split: s.split === 'train' ? 'train' : 'val',
    overlay: s.overlay === true,
    detailId: str(s.detailId),
    sort: {
      by: SORT_KEYS.has(sort.by as string) ? (sort.by as SortKey) : DEFAULT_UI.sort.by,
      dir: sort.dir === 'asc' ? 'asc' : sort.dir === 'desc' ? 'desc' : DEFAULT_UI.sort.dir,
    },
    filter: {
      text: str(filter.text) ?? '',
      onlyNegative: filter.onlyNegative === true,
      onlyWithSpurious: filter.onlyWithSpurious === true,
      onlyUnlabeled: filter.onlyUnlabeled === true,
    },
    labelingClass: str(s.labelingClass),
    labelingFocus: typeof focus === 'number' && Number.isInteger(focus) && focus >= 0 && focus < 1000 ? focus : 0,
    cropsClass: str(s.cropsClass),
    heat: restoreHeat(s.heat),
    heatOpacity: typeof s.heatOpacity === 'number' && s.heatOpacity >= 0.1 && s.heatOpacity <= 1 ? s.heatOpacity : DEFAULT_UI.heatOpacity,
    galleryFilter: restoreGalleryFilter(s.galleryFilter),
  };
}
