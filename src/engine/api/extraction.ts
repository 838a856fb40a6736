// The engine's entry for datasets, models and feature extraction.

/** Datasets. */
export { discoverDataset } from '../dataset/discover';
export { withoutSkippedUnder } from '../dataset/withoutFolder';
export type { Dataset, ImageEntry } from '../dataset/types';
/** Extraction (the CLI's in-process path; the extension runs it as a job). */
export { extract, extractSummary } from '../extract/pipeline';
export type { ExtractFailure, ExtractProgress, ExtractRequest, ExtractResult, ExtractSummary } from '../extract/types';
export { PRECISIONS } from '../extract/precision';
export type { Precision } from '../extract/precision';
export { hostDecodeThreads } from '../extract/decodeThreads';
export { DEFAULT_DECODE_OPTIONS } from '../native/sharp';
/** Models. */
export { loadModel, sha256File } from '../model/loadModel';
export { INT8_NOTICE_PREFIX } from '../model/quantize/int8Support';
