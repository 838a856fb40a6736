// The engine's entry for running jobs (engine/jobs: one table, one runner shape) in a child process or in process.

/** The runners: childRunner for the extension host (a native crash kills the child), inProcessRunner for the CLI. */
export { childRunner } from '../jobs/runInChild';
export { inProcessRunner } from '../jobs/inProcess';
export type { JobName, ProgressOf, RequestOf, ResultOf } from '../jobs/table';
export type { Runner } from '../runner/runner';
/** The runner shapes the analyses accept, so a caller can hand them a child or in-process runner. */
export type { CropRunner } from '../crop/runner';
export type { SensitivityRunner } from '../analysis/sensitivity/analyze';
export type { OrtTuneRunner } from '../train/tuneProblem';
export type { ModelChecker } from '../compare/checkInputs';
export type { MaskFolderSource, MaskSegmenterSource } from '../masks/maskScoreJob';
/** A bundled stack mapped back to src/ lines, for the log. */
export { sourceMappedStack } from '../jobs/sourceMappedStack';
