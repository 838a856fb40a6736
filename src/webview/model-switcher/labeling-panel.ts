// The panel state the Labeling view works from: the ranked model's, or, when another model of a comparison is
// being labeled, the same state with that model's classes, labeling order, progress and top-k.
import type { LabelingModels, PanelState } from '../../shared/protocol';

/** True when the Labeling view labels a model other than the ranked one. */
export function labelsOtherModel(lm: LabelingModels | null): boolean {
  return lm !== null && lm.models.some((m) => m.sha256 === lm.active && !m.ranked);
}

/** The state for the Labeling view (the input panel itself when the ranked model is labeled). */
export function labelingPanel(panel: PanelState | null, lm: LabelingModels | null): PanelState | null {
  if (!panel || !lm || !labelsOtherModel(lm)) return panel;
  return {
    ...panel,
    classes: lm.classes ?? [],
    labelingOrder: lm.order ?? [],
    progress: lm.progress ?? { labeledClasses: 0, totalClasses: 0 },
    topK: lm.topK ?? panel.topK,
  };
}
