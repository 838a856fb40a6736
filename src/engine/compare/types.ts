// The JSON document of `spuriosity compare` (and what a panel draws from it): one dataset ranked under several models.
// Plain data only (strings, numbers, booleans, null, arrays, objects) so it crosses IPC / postMessage unchanged.
// Accuracies and gaps are percentage points (0-100), rounded to 0.01; correlations and ratios are unitless.
import type { HeadSource } from '../../core/vocabulary';

/** Schema tag of the compare report. */
export const COMPARE_SCHEMA = 'spuriosity-lens/compare@1';

/** One class's gap under one model (points), with the accuracies it is made of. */
export interface CompareClassGap {
  /** Dataset class name (the comparison is over classes, never feature indices: each model has its own features). */
  class: string;
  /** Validation images of the class, and k used at each end of the ranking (min(gapK, floor(n / 2))). */
  valImages: number;
  k: number;
  accHigh: number;
  accLow: number;
  /** accHigh - accLow. */
  gap: number;
}

/** One model of the comparison. */
export interface CompareModel {
  /** Short unique label (the file name without `.onnx`, suffixed `#2`, `#3` on clashes); keys every matrix below. */
  id: string;
  path: string;
  sha256: string;
  name: string | null;
  /** Feature dimension (this model's own feature indices; never compared across models). */
  dim: number;
  /** Whose linear head scored the images: the model's own, or one fitted on the train split; null when the model could not be analysed. */
  head: HeadSource | null;
  /** The annotation file this model's labels came from (annotations are per model sha256); null when it failed before opening it. */
  annotations: string | null;
  /** Validation accuracy over every labelled validation image (points). */
  valAccuracy: number | null;
  /** (class, feature) pairs labelled spurious, over the dataset's classes. */
  spuriousPairs: number;
  /** Classes with a measured gap, and their per-class gaps. Classes without a spurious feature are absent, never 0. */
  classes: CompareClassGap[];
  /** Mean over measured classes of the gap, accHigh and accLow (points; null when no class is measured). */
  meanGap: number | null;
  accHigh: number | null;
  accLow: number | null;
  /** In the statistics (correlation, variance, fit): false when nothing is labelled spurious, no class is measured, the file repeats an earlier model, or its extraction or analysis failed. */
  included: boolean;
  /** Why the model is left out (null when included). */
  note: string | null;
  /** The fit's prediction of accLow from accHigh, and accLow minus it (points); null when left out or no fit. */
  predictedAccLow: number | null;
  effectiveRobustness: number | null;
}

/** Pearson correlation of class-wise gaps between two models, over the classes both have a gap for. */
export interface ComparePair {
  a: string;
  b: string;
  /** Null when fewer than 3 shared classes or either series is constant over them (correlation undefined). */
  r: number | null;
  /** Shared classes the correlation is over. */
  classes: number;
}

/** Correlations between every pair of included models. */
export interface CompareCorrelation {
  /** Included model ids, in report order: the rows and columns of `matrix`. */
  models: string[];
  /** Symmetric; 1 on the diagonal; null where the pair's r is undefined. */
  matrix: Array<Array<number | null>>;
  /** Shared-class counts, same layout as `matrix` (the diagonal holds each model's measured classes). */
  shared: number[][];
  pairs: ComparePair[];
  /** Mean of the defined pairwise r (the paper's headline: 0.69 over 89 ImageNet models); null when none is defined. */
  meanPairwise: number | null;
}

/** How much gaps vary between classes compared with between models, on the classes every included model measures. */
export interface CompareVariance {
  /** Classes every included model has a gap for (the variances use only these). */
  classes: string[];
  /** Mean over models of the sample variance (n - 1) of that model's gaps across the classes (points²). */
  acrossClasses: number;
  /** Mean over classes of the sample variance (n - 1) of that class's gaps across the models (points²). */
  acrossModels: number;
  /** acrossClasses / acrossModels (the paper: 3.1); null when acrossModels is 0. */
  ratio: number | null;
}

/** Linear fits of acc_low on acc_high across the included models (points), appendix D. */
export interface CompareFit {
  /** acc_low = beta * acc_high, least squares through the origin (the paper's form): the effective robustness uses this. */
  beta: number;
  /** R² of the through-origin fit about the mean of acc_low (negative when the origin line fits worse than a constant); null when every acc_low is equal. */
  r2: number | null;
  /** Ordinary least squares acc_low = slope * acc_high + intercept, for reference; null when every acc_high is equal. */
  ols: { slope: number; intercept: number; r2: number | null } | null;
  /** Which fit effective robustness is measured against. */
  effectiveRobustnessFrom: 'origin';
}

/** `spuriosity compare --json`. */
export interface CompareReport {
  schema: typeof COMPARE_SCHEMA;
  dataset: { root: string; layout: string; classes: string[]; images: { train: number; val: number } };
  /** Images at each end of a ranking for the gap. */
  gapK: number;
  models: CompareModel[];
  /** Per dataset class, its gap under each model (aligned with `models`; null where that model has no gap for it). */
  gapTable: Array<{ class: string; gaps: Array<number | null> }>;
  /** Null when fewer than 2 models are included. */
  correlation: CompareCorrelation | null;
  /** Null when fewer than 2 models are included or fewer than 2 classes are shared by all of them. */
  variance: CompareVariance | null;
  /** Null when fewer than 2 models are included. */
  fit: CompareFit | null;
  /** Why a statistic is missing or a model is left out, in plain words. */
  notes: string[];
}

/** Progress of a comparison: which model (1-based of total) and what it is doing; `extract` carries the extraction's counts. */
export interface CompareProgress {
  model: number;
  models: number;
  id: string;
  phase: 'extracting' | 'analysing' | 'done';
  /** Images done / total while extracting. */
  done?: number;
  total?: number;
}
