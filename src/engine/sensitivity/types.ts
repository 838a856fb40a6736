// JSON-able report types of feature sensitivity (paper appendix B): how much a classifier's accuracy on a
// feature's top-activating images drops when only the region that feature marks is grayed, blurred or
// patch-rotated. Shared by the CLI (--json), the extension and the panel's labeling-view table.

import type { Corruption } from '../../core/vocabulary';

export { CORRUPTIONS, type Corruption } from '../../core/vocabulary';

/** Which images of the class a feature's top-activating images are drawn from. */
export type SensitivitySplit = 'train' | 'val' | 'all';

/** How each feature's soft mask was made. own: its normalised, upsampled NAM; minus-core: that times (1 - max of the class's core masks). */
export type MaskSource = 'own' | 'minus-core';

/** The parameters a run used (the paper gives none of the corruption parameters; see README "Feature sensitivity"). */
export interface SensitivityParams {
  /** Top-activating images per (class, feature) requested (default 65, as Salient ImageNet shows); null when topPercent chose them. */
  images: number | null;
  /** When set, the top this-percent of the class's images instead of a fixed count (at least 1). */
  topPercent: number | null;
  split: SensitivitySplit;
  /** Gaussian blur sigma as a fraction of the model-input side (pixels = fraction x side). */
  blurSigmaFraction: number;
  /** Patch side of the shuffle-rotate corruption as a fraction of the model-input side. */
  patchFraction: number;
  /** Model-input side (pixels) the corruptions ran at, with the resulting blur sigma and patch side in pixels. */
  inputSize: number;
  blurSigmaPx: number;
  patchPx: number;
  seed: number;
}

/** One corruption's outcome on one feature's images. Accuracies and drops are percentage points (0-100). */
export interface CorruptionOutcome {
  corruption: Corruption;
  /** Accuracy (prediction = the image's class) on the corrupted images. */
  accuracy: number;
  /** Sensitivity: clean accuracy minus corrupted accuracy (the paper's measure; negative when corruption helps). */
  sensitivity: number;
  /** Mean drop of the true class's softmax probability, clean minus corrupted: a finer reading when accuracy saturates. */
  probabilityDrop: number;
  /** Images whose prediction changed. */
  flipped: number;
}

/** Sensitivity of one (class, feature) pair. */
export interface FeatureSensitivity {
  /** Class name (head space, as in the rank report). */
  cls: string;
  feature: number;
  /** The pair's human label, or null when unlabelled (its own mask is used as is). */
  label: 'core' | 'spurious' | null;
  maskSource: MaskSource;
  /** Core features whose masks were removed from this one's (empty unless maskSource is minus-core). */
  coreFeatures: number[];
  /** Images measured (decoded and run); failed images are left out. */
  imageCount: number;
  /** Their ids (paths relative to the dataset root), most-activating first. */
  images: string[];
  /** Mean soft-mask value over all pixels of those images (0-1): how much of the image the corruption touched. */
  meanMask: number;
  /** Accuracy on the same images uncorrupted, in points. */
  cleanAccuracy: number;
  /** One entry per corruption, in CORRUPTIONS order. */
  outcomes: CorruptionOutcome[];
}

/** An image the sensitivity job could not use. */
export interface SensitivityFailure {
  path: string;
  rel: string;
  reason: string;
  message: string;
}

/** The whole report (`spuriosity sensitivity --json`). */
export interface SensitivityReport {
  schema: 'spuriosity-lens/sensitivity@1';
  params: SensitivityParams;
  /** One entry per measured pair, in the order requested. */
  features: FeatureSensitivity[];
  /** Pairs requested but not measured, with why (no images of the class, no spatial map, ...). */
  skipped: Array<{ cls: string; feature: number; reason: string }>;
  failures: SensitivityFailure[];
  seconds: number;
}
