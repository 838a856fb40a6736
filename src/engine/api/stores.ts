// The engine's entry for the files the tool reads and writes beside a dataset: annotations, suggestions, the review
// file, head files, feature stores, the feature cache, thumbnails and heatmaps (formats in docs/reference/).

/** Annotations and label suggestions. */
export { defaultAnnotationPath, readAnnotationFile } from '../annotations/store';
export type { AnnotationFileStore } from '../annotations/store';
export {
  DEFAULT_IMAGES_PER_FEATURE, defaultSuggestionPath, readSuggestionFile, scoreText, suggestionsFromScores, writeSuggestionFile,
} from '../annotations/suggestions';
export type { PairSuggestion, SuggestionFile } from '../annotations/suggestions';
export type { MaskProblem } from '../masks/maskFolder';
/** Where object masks come from: a masks folder or a segmenter model (settings first, then <dataset>/masks). */
export { chooseMaskSource } from '../masks/maskSource';
/** The review file (excluded images). */
export { ReviewFileStore, defaultReviewPath, reviewExcluded } from '../review/store';
/** Head files and a model with a new head. */
export { headJson, parseHeadJson, writeHeadNpy } from '../export/headFiles';
export { writeModelWithHead } from '../model/swapHead';
/** Parquet feature stores. */
export { exportFeatureStore } from '../store/exportStore';
export type { ExportReport } from '../store/exportStore';
export { importFeatureStores } from '../store/importStore';
export type { ImportProgress, ImportReport } from '../store/importStore';
/** The feature cache. */
export { mergeCaches } from '../cache/mergeCaches';
export { parseShardSpec, selectShard } from '../cache/shardSelect';
export type { ShardSpec } from '../cache/shardSelect';
/** Thumbnail and heatmap caches. */
export { ThumbnailCache } from '../render/thumbnails';
export { HeatmapCache } from '../render/heatmaps';
export type { HeatLayers, MapSource } from '../render/heatmaps';
/** Writing files safely. */
export { writeAtomic } from '../fs/writeAtomic';
export { isInsideFolder } from '../fs/insideFolder';
