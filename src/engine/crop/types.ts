// Serializable (JSON-able) types of core cropping (paper section 5): what `spuriosity crop --json` prints and what
// the panel shows. Plain objects, numbers, strings and nulls only: no typed arrays, Maps or undefined-valued fields
// that JSON would drop silently.
import type { HeadSource } from '../../core/vocabulary';

/** An axis-aligned box in an image's pixels: columns x .. x + width - 1, rows y .. y + height - 1 (integers). */
export interface PixelBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The fixed parameters of a crop run (the paper's values unless changed). */
export interface CropParams {
  /** Pixels of the renormalised mean core NAM at or above this survive (paper: 0.9). */
  threshold: number;
  /** Growth of the surviving pixels' bounding box in width and in height, as a fraction (paper: 0.2 = 20%). */
  growth: number;
  /** Share of a class's images, by core activation, whose crops are reliable (paper: the top 20%). */
  reliableFraction: number;
}

/**
 * What a run covers: `recheck` the k highest-spuriosity validation images of each negative-gap class; `class` every
 * image of the chosen classes (for export); `images` the chosen images (e.g. one image's detail view).
 */
export type CropScope = 'recheck' | 'class' | 'images';

/** A prediction of the head, on the whole image or on its crop. */
export interface CropPrediction {
  /** Predicted class name (head space). */
  predicted: string;
  correct: boolean;
  /** Softmax probability of the predicted class, in [0, 1]. */
  confidence: number;
}

/** How the crop's prediction relates to the original's: fixed = wrong -> right, broken = right -> wrong. */
export type CropChange = 'same' | 'fixed' | 'broken' | 'changed-wrong';

/** One image: its box in the ORIGINAL image's pixels, reliability, and original vs cropped prediction. */
export interface CropImage {
  /** Image id: path relative to the dataset root. */
  image: string;
  split: 'train' | 'val';
  /** Spuriosity of the image within its class and split, or null when its class has no ranking. */
  spuriosity: number | null;
  /** Mean over the class's core features of the z-scored activation within the class (all splits); null without core features. */
  coreActivation: number | null;
  /** In the class's top `reliableFraction` by core activation: the paper found crops reliable only there. */
  reliable: boolean;
  /** The original image's size (EXIF-oriented), when it could be read. */
  imageSize: { width: number; height: number } | null;
  /** The crop box in original pixels, or null with `noBoxReason`. */
  box: PixelBox | null;
  /** The box is not square because the image is narrower (or shorter) than the square (it then spans that axis). */
  squareClipped: boolean;
  /** Why there is no box (no core activation on the image, or it could not be decoded). */
  noBoxReason: string | null;
  original: CropPrediction;
  /** Prediction on the crop, or null when there is no box. */
  cropped: CropPrediction | null;
  /** null when there is no crop. */
  change: CropChange | null;
  /** The exported crop file (absolute path) when the run exported, else null. */
  file: string | null;
}

/** Counts over a set of images that have a crop. */
export interface CropCounts {
  /** Images considered. */
  images: number;
  /** Images with a crop box and a cropped prediction. */
  cropped: number;
  /** Cropped images whose predicted class changed. */
  changed: number;
  /** Wrong on the original, right on the crop. */
  fixed: number;
  /** Right on the original, wrong on the crop. */
  broken: number;
  /** Cropped images marked reliable. */
  reliable: number;
  /** Accuracy in percentage points (0-100) on the cropped images, original vs cropped; null when none was cropped. */
  accOriginal: number | null;
  accCropped: number | null;
}

/** One class's crops. */
export interface CropClass {
  name: string;
  /** The class's spurious gap in points (0-100), or null when it has none. */
  gap: number | null;
  negativeGap: boolean;
  /** Core features used (labelled core among the class's top features). */
  coreFeatures: number[];
  /** Why the class has no crops (no core feature labelled, no images), else null. */
  noCropReason: string | null;
  /** Lowest core activation that counts as reliable in this class, or null when the class has no core feature. */
  reliableCutoff: number | null;
  counts: CropCounts;
  images: CropImage[];
}

/** An image that could not be cropped or classified. */
export interface CropFailure {
  image: string;
  path: string;
  reason: string;
  message: string;
}

/** Where an export went. */
export interface CropExport {
  dir: string;
  /** The manifest written in dir (JSON, schema spuriosity-lens/crop-manifest@1). */
  manifest: string;
  /** Crop files written by this run (0 in a manifest-only export). */
  files: number;
}

/** The whole report (`spuriosity crop --json`, schema spuriosity-lens/crop@1). */
export interface CropReport {
  schema: 'spuriosity-lens/crop@1';
  dataset: string;
  model: { path: string; sha256: string };
  head: HeadSource;
  scope: CropScope;
  /** High-spuriosity images per class in the recheck scope; null in the class scope. */
  k: number | null;
  params: CropParams;
  classes: CropClass[];
  totals: CropCounts;
  failures: CropFailure[];
  /** Set when crops were exported (--out), else null. */
  export: CropExport | null;
}

/**
 * Progress of a crop run, one count over both parts: a unit per image for its heatmap, then one for its crop
 * (classified, and exported), so done / total is the share of the whole run; phase names the part running.
 */
export interface CropProgress {
  phase: 'maps' | 'crops' | 'done';
  done: number;
  total: number;
}

/** One row of the export manifest: a crop file and where it came from. */
export interface CropManifestEntry {
  image: string;
  /** Crop file, relative to the export folder; null in a manifest-only export. */
  file: string | null;
  class: string;
  box: PixelBox;
  imageSize: { width: number; height: number };
  reliable: boolean;
  original: string;
  cropped: string;
}

/** The export folder's manifest (crop-manifest.json). */
export interface CropManifest {
  schema: 'spuriosity-lens/crop-manifest@1';
  dataset: string;
  model: string;
  params: CropParams;
  crops: CropManifestEntry[];
  /**
   * Crop files (relative to the folder) that an export began and did not finish may have written; absent when there
   * are none. A later export may replace them, as it may replace the files of `crops`.
   */
  pending?: string[];
}
