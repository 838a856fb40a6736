// Sorting and filtering of the overview table, kept free of the DOM so it is unit-tested.
import type { ClassSummary } from '../../shared/protocol';
import { isSignificantNegative } from '../lib/significance';

/** Columns the table sorts by. */
export type SortKey = 'name' | 'images' | 'valImages' | 'accuracy' | 'spuriousFeatures' | 'gap';
/** Sort direction. */
export type SortDir = 'asc' | 'desc';

/** What the filter bar selects. */
export interface ClassFilter {
  /** Case-insensitive substring of the class name. */
  text: string;
  onlyNegative: boolean;
  onlyWithSpurious: boolean;
  onlyUnlabeled: boolean;
}

/** The filter that lets every class through. */
export const NO_FILTER: ClassFilter = { text: '', onlyNegative: false, onlyWithSpurious: false, onlyUnlabeled: false };

function key(c: ClassSummary, k: SortKey): string | number | null {
  switch (k) {
    case 'name': return c.name;
    case 'images': return c.images;
    case 'valImages': return c.valImages;
    case 'accuracy': return c.accuracy;
    case 'spuriousFeatures': return c.spuriousFeatures;
    case 'gap': return c.gap ? c.gap.value : null;
  }
}

/** Sorted copy; unknown values (no gap, no accuracy) always go last whatever the direction; ties by name. */
export function sortClasses(rows: readonly ClassSummary[], by: SortKey, dir: SortDir): ClassSummary[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = key(a, by);
    const y = key(b, by);
    if (x === null || y === null) {
      if (x !== y) return x === null ? 1 : -1;
    } else if (x !== y) {
      const c = typeof x === 'string' ? x.localeCompare(String(y)) : x - (y as number);
      if (c !== 0) return sign * c;
    }
    return a.name.localeCompare(b.name);
  });
}

/** Rows that pass the filter. */
export function filterClasses(rows: readonly ClassSummary[], f: ClassFilter): ClassSummary[] {
  const needle = f.text.trim().toLowerCase();
  return rows.filter((c) =>
    (!needle || c.name.toLowerCase().includes(needle)) &&
    (!f.onlyNegative || isSignificantNegative(c)) &&
    (!f.onlyWithSpurious || c.spuriousFeatures > 0) &&
    (!f.onlyUnlabeled || !c.labeled));
}

/** Clicking a column header: same column flips direction, a new column starts at its natural direction. */
export function nextSort(current: { by: SortKey; dir: SortDir }, clicked: SortKey): { by: SortKey; dir: SortDir } {
  if (current.by === clicked) return { by: clicked, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { by: clicked, dir: clicked === 'name' ? 'asc' : 'desc' };
}
