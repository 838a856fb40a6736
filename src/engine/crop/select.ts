// Which images a crop run looks at, and which features count as a class's core.
import type { AnalysisSession } from '../analysis/session';

/** A class and the rows (image indices) of it a run crops. */
export interface CropTarget {
  cls: number;
  rows: number[];
}

/** A class's core features: its top features (by importance) that are labelled core; unlabelled ones are not core. */
export function coreFeaturesOf(s: AnalysisSession, cls: number): number[] {
  const verdicts = s.verdicts(cls);
  return (s.importance[cls]?.top ?? []).filter((f) => verdicts.get(f)?.label === 'core');
}

/** Head-space ids of class names; an unknown name is an error that lists the known ones. */
export function classIdsOf(s: AnalysisSession, names: string[]): number[] {
  return names.map((name) => {
    const id = s.classId(name);
    if (id === undefined || !s.datasetClassIds.includes(id)) {
      const known = s.datasetClassIds.map((c) => s.classNames[c]);
      throw new Error(`Unknown class "${name}"; the dataset's classes are: ${known.slice(0, 20).join(', ')}${known.length > 20 ? ', …' : ''}`);
    }
    return id;
  });
}

/** Rows of the k highest-spuriosity validation images of a class (ties: lower image index first, as the gap does). */
export function highestSpuriosity(s: AnalysisSession, cls: number, k: number): number[] {
  const r = s.spuriosity.rankings[cls]?.val;
  if (!r) return [];
  const pos = Array.from({ length: r.order.length }, (_, j) => j);
  pos.sort((a, b) => (r.scores[b] - r.scores[a]) || (r.order[a] - r.order[b]));
  return pos.slice(0, Math.min(k, pos.length)).map((j) => r.order[j]);
}

/** The re-check: each negative-gap class (optionally only those named) with its k highest-spuriosity validation images. */
export function recheckTargets(s: AnalysisSession, k: number, only?: number[]): CropTarget[] {
  const keep = only && new Set(only);
  return s.gaps.classes
    .filter((g) => g.negative && (!keep || keep.has(g.cls)))
    .map((g) => ({ cls: g.cls, rows: highestSpuriosity(s, g.cls, k) }));
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
