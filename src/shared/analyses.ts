// View shapes of the three on-demand analyses (core crops, feature sensitivity, model comparison) as
// the panel receives them. The host maps the engines' reports onto these; accuracies, gaps and drops
// are on the protocol's 0..1 scale (0.12 = 12 points) like every other message.

/** Long jobs started from the panel whose progress and cancellation the panel shows. */
export type PanelJob = 'crops' | 'sensitivity' | 'compare' | 'suggest';
/** All panel jobs. */
export const PANEL_JOBS: readonly PanelJob[] = ['crops', 'sensitivity', 'compare', 'suggest'];

/** Progress of a panel job; `fraction` is null while the total is unknown. */
export interface JobProgress {
  job: PanelJob;
  /** The class (crops, sensitivity) and feature (sensitivity) the job works on, when it works on one. */
  class?: string;
  feature?: number;
  message: string;
  fraction: number | null;
}

/** A rectangle as fractions (0..1) of the ORIGINAL image's width and height, so it can be drawn over any resized view of it. */
export interface BoxFraction {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A prediction of one image (original or core crop). */
export interface CropPrediction {
  predicted: string;
  correct: boolean;
}

/** The core crop of one image: its box, reliability, and the prediction before and after cropping. */
export interface CropView {
  id: string;
  /** Null when the class's core features do not activate on the image (no box). */
  box: BoxFraction | null;
  /** The box in the original image's pixels (x, y, width, height), for tooltips and exports. */
  pixels: [number, number, number, number] | null;
  /** Size of the original image in pixels (after EXIF orientation). */
  imageSize: { width: number; height: number };
  /** The paper found crops reliable only on images in the class's top 20% by core activation. */
  reliable: boolean;
  /** Why the crop is unreliable or missing; empty when reliable. */
  reason: string;
  original: CropPrediction;
  /** Null when there is no box (nothing was re-classified). */
  cropped: CropPrediction | null;
}

/** One row of a re-check: the crop plus the gallery facts of the image. */
export interface CropRecheckItem extends CropView {
  thumbUri: string;
  spuriosity: number | null;
}

/** Counts of a re-check: how many predictions changed, and in which direction. */
export interface CropCounts {
  images: number;
  /** Images with a box (the others were not re-classified). */
  cropped: number;
  changed: number;
  /** Wrong on the original, right on the crop. */
  fixed: number;
  /** Right on the original, wrong on the crop. */
  broken: number;
  reliable: number;
}

/** Outcome of "re-check on core crops" for one class (its highest-spuriosity validation images). */
export interface CropRecheck {
  class: string;
  /** The class's spurious gap when the re-check ran, or null when it has none. */
  gap: number | null;
  /** Core features whose mean heatmap gave the boxes. */
  coreFeatures: number[];
  items: CropRecheckItem[];
  counts: CropCounts;
  /** Why nothing could be cropped (e.g. no core feature labeled), or null. */
  note: string | null;
}

import type { Corruption } from '../core/vocabulary';

export { CORRUPTIONS, CORRUPTION_CUE, type Corruption, type Cue } from '../core/vocabulary';

/** Sensitivity of the model to one feature's region: accuracy drop and true-class probability drop per corruption. */
export interface SensitivityView {
  class: string;
  feature: number;
  /** Top-activating images of the feature that were corrupted. */
  images: number;
  /** Accuracy on them uncorrupted (0..1). */
  clean: number;
  /** Clean accuracy minus accuracy with the masked region corrupted (0..1; negative when corruption helped). */
  drops: Record<Corruption, number>;
  /**
   * Mean drop of the true class's softmax probability, clean minus corrupted (0..1): still moves when accuracy
   * saturates (the images stay correct because other features carry the class, but less confidently).
   */
  probabilityDrops: Record<Corruption, number>;
  /** E.g. "mask without the core features' overlap" for a spurious feature; null when nothing to say. */
  note: string | null;
}

/** One model of a comparison (accuracies 0..1). */
export interface CompareModelView {
  id: string;
  path: string;
  accuracy: number | null;
  accHigh: number | null;
  accLow: number | null;
  meanGap: number | null;
  /** Classes with a measured gap. */
  classes: number;
  included: boolean;
  note: string | null;
  effectiveRobustness: number | null;
  /** Model file hash: selects the model to label (selectLabelingModel). */
  sha256?: string;
  /** (class, feature) pairs labeled spurious in its annotation file; 0 means the model can have no gap yet. */
  spuriousPairs?: number;
  /** Its annotation file (annotations.<sha8>.json beside the data). */
  annotations?: string | null;
}

/** A comparison of one dataset's rankings under several models. */
export interface ComparisonView {
  dataset: string;
  models: CompareModelView[];
  /** acc_low = beta * acc_high through the origin (what effective robustness is measured against), its R² (null when undefined), and the least-squares fit with intercept (0..1). */
  fit: { beta: number; r2: number | null; ols: { slope: number; intercept: number } | null } | null;
  /** Included model ids; rows and columns of `matrix` and `shared`. */
  matrixModels: string[];
  matrix: Array<Array<number | null>>;
  shared: number[][];
  meanCorrelation: number | null;
  /** Variance of gaps across classes vs across models, in points² (the paper: 3.1x); over `classes` shared classes. */
  variance: { classes: number; acrossClasses: number; acrossModels: number; ratio: number | null } | null;
  /** Per class, its gap under each model (aligned with `models`; null where unmeasured). */
  gapTable: Array<{ class: string; gaps: Array<number | null> }>;
  notes: string[];
}
