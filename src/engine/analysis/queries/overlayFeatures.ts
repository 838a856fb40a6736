import type { AnalysisView } from './sessionView';

/** Which features a gallery heat overlay averages: the class's spurious ones (default), its core ones, or one feature. */
export type OverlayChoice = { mode: 'spurious' | 'core' | 'feature'; feature?: number };

/** The features an overlay averages, with a note when they are a fallback (nothing labeled yet) or there are none. */
export function overlayFeatures(s: Pick<AnalysisView, 'classNames' | 'importance' | 'verdicts' | 'spuriosity' | 'model'>, cls: number, choice: OverlayChoice): { features: number[]; note: string | null } {
  const name = s.classNames[cls];
  const top = s.importance[cls]?.top ?? [];
  const D = s.model.dim;
  if (choice.mode === 'feature') {
    const f = choice.feature ?? -1;
    if (!Number.isInteger(f) || f < 0 || f >= D) throw new Error(`Feature ${f} does not exist: the model has features 0 to ${D - 1}.`);
    return { features: [f], note: null };
  }
  const verdicts = s.verdicts(cls);
  if (choice.mode === 'core') {
    const core = top.filter((f) => verdicts.get(f)?.label === 'core');
    return core.length ? { features: core, note: null } : { features: [], note: `no top feature of ${name} is labeled core yet: label one in the Labeling tab` };
  }
  const spurious = s.spuriosity.spurious[cls] ?? [];
  return spurious.length ? { features: [...spurious], note: null } : { features: [...top], note: `no feature of ${name} is labeled spurious yet: the mean of its top features` };
}
