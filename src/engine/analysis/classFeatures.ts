// Lookups over a session shared by the analyses (core cropping, feature sensitivity): a class by name, and the
// features a human labelled core for it.
import type { AnalysisView } from './queries/sessionView';

/** How many class names an unknown-class error lists before "…". */
const LISTED_CLASSES = 20;

/** Head-space id of a dataset class; an unknown name is an error that lists the dataset's classes. */
export function classIdOf(s: Pick<AnalysisView, 'classId' | 'datasetClassIds' | 'classNames'>, name: string): number {
  const id = s.classId(name);
  if (id !== undefined && s.datasetClassIds.includes(id)) return id;
  const known = s.datasetClassIds.map((c) => s.classNames[c]);
  const more = known.length > LISTED_CLASSES ? `, … (${known.length} classes)` : '';
  throw new Error(`Unknown class "${name}"; the dataset's classes are: ${known.slice(0, LISTED_CLASSES).join(', ')}${more}`);
}

/** Head-space ids of class names, in the order given (see classIdOf). */
export function classIdsOf(s: Pick<AnalysisView, 'classId' | 'datasetClassIds' | 'classNames'>, names: string[]): number[] {
  return names.map((name) => classIdOf(s, name));
}

/** A class's core features: its current top features (by importance) labelled core; unlabelled ones are not core. */
export function coreFeaturesOf(s: Pick<AnalysisView, 'verdicts' | 'importance'>, cls: number): number[] {
  const verdicts = s.verdicts(cls);
  return (s.importance[cls]?.top ?? []).filter((f) => verdicts.get(f)?.label === 'core');
}
