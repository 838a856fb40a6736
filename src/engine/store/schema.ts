// The feature store's Parquet schema (spuriosity-lens/features@1): one row per image. README "Feature stores" documents it.
//
// Import reads: path (required), features (required), class and logits (optional); export writes every column.
// Columns other than these are ignored on import, so a user's job may carry its own (ids, timings, ...).

/** Schema id written to the file's key-value metadata under SCHEMA_KEY; bump the @N on an incompatible change. */
export const FEATURE_STORE_SCHEMA = 'spuriosity-lens/features@1';
/** Key-value metadata key of the schema id. */
export const SCHEMA_KEY = 'spuriosity-lens.schema';
/** Key-value metadata key of a JSON object describing the export (model sha256, dim, classes, class names). */
export const EXPORT_KEY = 'spuriosity-lens.export';

/** Column names of the schema. */
export const COLUMNS = {
  /** utf8: the image path relative to the dataset root, '/' separators (an absolute path inside the root also works on import). */
  path: 'path',
  /** utf8: the image's class (the dataset's folder or manifest label); checked against the dataset on import when present. */
  class: 'class',
  /** utf8: 'train' or 'val' (export only; on import the dataset decides the split). */
  split: 'split',
  /** utf8: the class the model's head predicts (export only). */
  prediction: 'prediction',
  /** bool: prediction equals class (export only). */
  correct: 'correct',
  /** float32, null when the image's class has no spurious feature labeled (export only). */
  spuriosity: 'spuriosity',
  /** list or fixed_size_list of float16, float32 or float64: the pooled features (inputs of the linear head), D values. */
  features: 'features',
  /** optional list of float32 (or float16/float64): the C logits; computed from the model's head on import when absent. */
  logits: 'logits',
} as const;

/** A store row (or a whole file) that was not imported, and why. */
export interface StoreProblem {
  /** The Parquet file the problem is in. */
  file: string;
  /** 0-based row number in the file, or null for a problem with the whole file. */
  row: number | null;
  /** The row's path value when it has one. */
  path?: string;
  /** What is wrong, in a sentence. */
  problem: string;
}
