// The engine's entry for the analyses run over an open session: core crops, feature sensitivity, model comparison.

/** Core cropping. */
export { analyzeCrops } from '../crop/analyze';
export type { CropOptions } from '../crop/analyze';
export type { CropClass, CropImage, CropProgress, CropReport } from '../crop/types';
/** Feature sensitivity. */
export { measureSensitivity } from '../analysis/sensitivity/analyze';
export { DEFAULT_MAX_PAIRS, sensitivityScope } from '../analysis/sensitivity/scope';
export type { FeatureSensitivity, SensitivityReport, SensitivitySplit } from '../sensitivity/types';
/** Comparing models. */
export { compareModels } from '../compare/compareModels';
export { CompareInputError, checkProbeFolder } from '../compare/checkInputs';
export { summariseModel } from '../compare/modelSummary';
export type { ModelGaps } from '../compare/modelSummary';
export { NO_GAPS, resummarise } from '../compare/relabel';
export type { LiveComparison } from '../compare/relabel';
export type { CompareReport } from '../compare/types';
