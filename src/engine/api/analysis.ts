// The engine's entry for opening an analysis and reading it: what src/extension and src/cli may use of analysis/.
// Deep imports from those layers are refused by lint (eslint.config.mjs), so this file is the analysis's public face.

/** Opening: one discover -> skip -> extract -> labels -> session path for the controller, the CLI and compare. */
export { openAnalysis, openDataset } from '../analysis/openAnalysis';
export { AnalysisSession } from '../analysis/session';
export type { AnalysisOptions } from '../analysis/session';
export { StreamedSession, StreamedHeadError } from '../analysis/streamed/streamedSession';
export { outOfCoreOrInMemory } from '../analysis/streamed/outOfCoreOrInMemory';

/** Session queries: the class page, image detail, review queue and overview, computed in the engine. */
export type { SessionView, AnalysisView } from '../analysis/queries/sessionView';
export type { ClassPageResult } from '../analysis/queries/classPage';
export type { FeatureCardData, ImageDetailResult } from '../analysis/queries/imageDetail';
export type { ReviewItemData } from '../analysis/queries/reviewItems';
export type { CollisionPairData } from '../analysis/collisionsView';
export { classStats, labelingOrder } from '../analysis/queries/classStats';
export type { ClassStats } from '../analysis/queries/classStats';

/** Labels: the in-memory store, the annotation-file store, and labelling from probes or masks. */
export { MemoryLabelStore } from '../analysis/labels';
export type { FeatureVerdict } from '../annotations/labelStore';
export { openLabelStore } from '../analysis/fileLabelStore';
export { annotateFromProbes } from '../analysis/probeAnnotate';
export { acceptSuggestions, planMaskScore } from '../analysis/maskSuggest';
export { mapClasses } from '../analysis/headChoice';

/** Fine-tuning the head. */
export { tuneHead } from '../analysis/tune';
export { tuneAnalysis } from '../analysis/streamed/tuneStreamed';
export type { TuneOptions, TuneOutcome } from '../analysis/tune';
export type { TuneCheck } from '../analysis/tuneGuard';
