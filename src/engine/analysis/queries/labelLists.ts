// What both sessions read off their label store: one class's verdicts, and the spurious features of every class.
import type { FeatureVerdict, LabelStore } from '../../annotations/labelStore';

/** Labeled pairs of one class (by name), feature -> verdict. */
export function verdictsOf(store: LabelStore, className: string): Map<number, FeatureVerdict> {
  const out = new Map<number, FeatureVerdict>();
  for (const e of store.entries()) if (e.cls === className) out.set(e.feature, e.verdict);
  return out;
}

/** Spurious features per head-space class (classNames order), from the labels; features >= dim are ignored. */
export function spuriousListsOf(store: LabelStore, classNames: readonly string[], dim: number): number[][] {
  const lists: number[][] = classNames.map(() => []);
  const id = new Map(classNames.map((c, i) => [c, i] as const));
  for (const e of store.entries()) {
    const c = id.get(e.cls);
    if (c !== undefined && e.verdict.label === 'spurious' && e.feature < dim) lists[c].push(e.feature);
  }
  return lists;
}
