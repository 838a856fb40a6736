// Which images a crop run looks at.
import { gapHighEnd } from '../../core/gap';
import type { AnalysisSession } from '../analysis/session';

/** A class and the rows (image indices) of it a run crops. */
export interface CropTarget {
  cls: number;
  rows: number[];
}

/**
 * The re-check: each negative-gap class (optionally only those named) with the images its gap found at the high end:
 * its k highest-spuriosity validation images, k capped as the gap caps it (half the class's validation images).
 * `k` overrides the session's gap k (the cap still applies: a larger k would reach the low-spuriosity end).
 */
export function recheckTargets(s: AnalysisSession, k?: number, only?: number[]): CropTarget[] {
  const keep = only && new Set(only);
  return s.gaps.classes
    .filter((g) => g.negative && (!keep || keep.has(g.cls)))
    .map((g) => {
      const val = s.spuriosity.rankings[g.cls]?.val;
      return { cls: g.cls, rows: val ? gapHighEnd(val, k ?? g.k) : [] };
    });
}

/** Every image (train, then validation) of each class. */
export function classTargets(s: AnalysisSession, classes: number[]): CropTarget[] {
  return classes.map((cls) => ({ cls, rows: [...s.index.train[cls], ...s.index.val[cls]] }));
}

/** The named images grouped by class, in the order given; an id not in the dataset is an error. */
export function imageTargets(s: AnalysisSession, rels: string[]): CropTarget[] {
  const byClass = new Map<number, number[]>();
  for (const rel of rels) {
    const row = s.indexOf(rel);
    if (row === undefined) throw new Error(`Image "${rel}" is not in the dataset ${s.dataset.root} (image ids are paths relative to the dataset root)`);
    const cls = s.labels[row];
    if (cls < 0) throw new Error(`Image "${rel}" has a class the head does not know (${s.entries[row].label})`);
    byClass.set(cls, [...(byClass.get(cls) ?? []), row]);
  }
  return [...byClass].map(([cls, rows]) => ({ cls, rows }));
}
