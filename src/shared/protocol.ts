// The typed contract between the extension host and the panel webview. Both sides import only
// this module (and the validator it re-exports); the host runs parseWebviewMessage on every
// message it receives, because a webview is an untrusted sender.
import type { Split } from '../core/types';
import type { GapSignificance } from '../core/gap';
import type { FeatureLabel, HeadMode, HeadSource, SpuriousSubtype, TuningMethod } from '../core/vocabulary';
import type { Colormap } from './colormap';
import type { ComparisonView, CropRecheck, CropView, JobProgress, PanelJob, SensitivityView } from './analyses';

export type { Split, GapSignificance, Colormap };
export * from './analyses';

/** The panel's views. */
export type Tab = 'overview' | 'class' | 'labeling' | 'mitigation' | 'review' | 'crops' | 'compare';
/** All tabs, in display order. */
export const TABS: readonly Tab[] = ['overview', 'class', 'labeling', 'mitigation', 'review', 'crops', 'compare'];

// A human label for a (class, feature) pair (null clears it) and the optional refinement of a spurious one, in the
// words of the annotation files (core/vocabulary).
export type { FeatureLabel, SpuriousSubtype } from '../core/vocabulary';
/** Gallery order by spuriosity: 'asc' shows the lowest-spuriosity images first. */
export type SortOrder = 'asc' | 'desc';
// Mitigation's training sets (lowest-spuriosity, random or misclassified images), by the vocabulary's name.
export { TUNING_METHODS, type TuningMethod } from '../core/vocabulary';
/** What can be exported after mitigation: the tuned head as JSON or .npy, or the whole model as ONNX. */
export type ExportKind = 'head-json' | 'head-npy' | 'onnx';
/** All export kinds. */
export const EXPORT_KINDS: readonly ExportKind[] = ['head-json', 'head-npy', 'onnx'];
/** Long-running jobs the webview can cancel. */
export type CancelTarget = 'extraction' | 'mitigation' | PanelJob;

/** A point estimate with its 95% interval, in accuracy points (0..1 scale: 0.12 = 12 points). */
export interface Interval {
  value: number;
  lo: number;
  hi: number;
}

/** A class's spurious gap: accuracy on the k highest minus the k lowest-spuriosity validation images. */
export interface ClassGap extends Interval {
  k: number;
}

/** One row of the overview table. */
export interface ClassSummary {
  name: string;
  /** Logit index of the class in the model head. */
  index: number;
  /** Training images of the class (all images when there is no split). */
  images: number;
  valImages: number;
  /** Validation accuracy (0..1), or null before extraction finished. */
  accuracy: number | null;
  /** Features labeled spurious among the class's top features. */
  spuriousFeatures: number;
  /** True when every top feature of the class has a label. */
  labeled: boolean;
  /** Null when the class has no spurious feature (no ranking, left out of the mean). */
  gap: ClassGap | null;
  /** True when the gap is significantly negative (its interval lies below 0: low-spuriosity images classified better): worth a review. */
  negative: boolean;
  /** Whether the gap's 95% interval excludes 0 ('not-significant' otherwise); absent without a gap or an interval. */
  significance?: GapSignificance;
  /** Validation images needed for the interval to exclude 0 if the gap stayed the same (core valImagesForSignificance), when not significant. */
  valImagesNeeded?: number | null;
}

/** Feature extraction progress while it runs. */
export interface ExtractionProgress {
  split: Split;
  done: number;
  total: number;
  /** Images per second, when known. */
  rate: number | null;
}

/** A snapshot of everything the overview and navigation need; sent on ready and after each change. */
export interface PanelState {
  dataset: { name: string; root: string };
  model: { name: string };
  splits: { train: number; val: number };
  classes: ClassSummary[];
  /** Mean of the per-class gaps over classes with a spurious feature, or null when there is none. */
  meanGap: Interval | null;
  /** The mean gap's verdict by the per-class rule (a finding only when its 95% interval excludes 0); absent without an interval. */
  meanGapSignificance?: GapSignificance;
  progress: { labeledClasses: number; totalClasses: number };
  /** Class names in labeling order: largest per-feature gap first. */
  labelingOrder: string[];
  /** Top features shown per class for labeling (k). */
  topK: number;
  extraction: ExtractionProgress | null;
  mitigation: MitigationState;
  /** Which head classifies: the model's own ('model') or one fitted on the dataset's training features ('fit'), and the setting that chose it. */
  head?: { source: HeadSource; mode: HeadMode };
}

/** What the gallery's heatmap overlay shows: the mean NAM of the class's spurious or core features, or one feature's. */
export type HeatMode = 'spurious' | 'core' | 'feature';
/** The overlay the gallery asks for; `feature` only with mode 'feature'. */
export interface HeatChoice {
  mode: HeatMode;
  feature?: number;
}
/** What an overlay page shows, for its legend: the features averaged and why, e.g. when none is labeled yet. */
export interface HeatInfo {
  mode: HeatMode;
  features: number[];
  colormap: Colormap;
  /** e.g. "no feature of tench is labeled spurious yet: its top features"; null when the features are what was asked for. */
  note: string | null;
}
/** Which of a class's images the gallery shows (every field optional: absent lets all through). */
export interface GalleryFilter {
  correct?: boolean;
  predicted?: string;
  /** Only images the review file flags as label errors. */
  labelError?: boolean;
}

/** One gallery tile. */
export interface ClassPageItem {
  /** Image path relative to the dataset root: the image id. */
  id: string;
  /** Webview URI of a small thumbnail; never image bytes. */
  thumbUri: string;
  spuriosity: number | null;
  /** Ground-truth class name. */
  label: string;
  /** Predicted class name. */
  predicted: string;
  correct: boolean;
  /** Heatmap overlay URI: the page's HeatInfo features through the colormap alone, to lay over `baseUri`; only when overlay was requested. */
  heatUri?: string;
  /** The crop the model saw (what heatUri is aligned to), with the overlay. */
  baseUri?: string;
  /** Softmax probability of the predicted class under the head in use. */
  confidence?: number | null;
  /** 0-based position in the class's ranking of the split (ascending spuriosity), whatever the page's order or filter. */
  rank?: number;
  /** True when the review file flags the image's label as wrong (absent: not flagged). */
  labelError?: boolean;
}

/** A contiguous range of a class's images sorted by spuriosity. */
export interface ClassPage {
  class: string;
  order: SortOrder;
  split: Split;
  offset: number;
  overlay: boolean;
  items: ClassPageItem[];
  /** Number of images of the class in the split (that pass the filter, when there is one). */
  total: number;
  /** The filter the page was built with, echoed so answers for another filter are ignored. */
  filter?: GalleryFilter;
  /** Images of the class in the split before the filter. */
  classTotal?: number;
  /** What the overlay shows, when overlay was requested. */
  heat?: HeatInfo;
}

/** One top feature of a class as shown for labeling. */
export interface FeatureCard {
  class: string;
  /** Neural feature index (input of the linear head). */
  feature: number;
  /** 0-based rank among the class's top features by importance. */
  rank: number;
  importance: number;
  /** Gap of the class when ranked by this feature alone, or null when it cannot be measured. */
  perFeatureGap: number | null;
  label: FeatureLabel | null;
  subtype: SpuriousSubtype | null;
  /** The feature's most-activating images of the class (5 for labeling). */
  images: Array<{ id: string; thumbUri: string; heatUri: string; activation: number }>;
  /** The mask-based machine suggestion (null: none, `suggestionNote` says why); absent when none was computed. */
  suggestion?: CardSuggestion | null;
  /** Why there is no suggestion, e.g. no object masks or a score between the thresholds. */
  suggestionNote?: string | null;
  /** True when the label is an accepted machine suggestion, not a person's. */
  machine?: boolean;
}

/** A machine suggestion for a card: from the share of the feature's activation on the object masks. */
export interface CardSuggestion {
  label: FeatureLabel;
  subtype: SpuriousSubtype | null;
  /** Mean share of the feature's NAM mass on the object (0-1) over `images` top-activating images; sd its spread. */
  share: number;
  sd: number | null;
  images: number;
}

/** One heatmap of the image detail view. */
export interface DetailFeature {
  feature: number;
  label: FeatureLabel | null;
  subtype: SpuriousSubtype | null;
  importance: number;
  activation: number;
  heatUri: string;
}

/** Everything shown when an image is clicked. */
export interface ImageDetail {
  id: string;
  split: Split;
  imageUri: string;
  label: string;
  predicted: string;
  correct: boolean;
  /** Softmax probability of the predicted class, when known. */
  confidence: number | null;
  spuriosity: number | null;
  /** 0-based position in the class's ascending ranking, and its length. */
  rank: { position: number; total: number } | null;
  /** One heatmap per top feature of the image's class. */
  features: DetailFeature[];
}

/** Accuracy and mean gap of the head at one point (before tuning, after an epoch, after tuning). */
export interface MitigationPoint {
  epoch: number;
  accuracy: number;
  /** Mean validation gap, or null when no class has a spurious feature. */
  gap: number | null;
}

/** Outcome of one mitigation run. */
export interface MitigationResult {
  method: TuningMethod;
  before: MitigationPoint;
  after: MitigationPoint;
  epochs: number;
  /** True when training stopped because the mean gap fell below the target. */
  stoppedEarly: boolean;
  /** Which rule stopped it (absent in results saved before it existed). */
  stoppedBecause?: 'below-threshold' | 'max-epochs' | 'max-iterations' | 'converged' | 'accuracy-guard' | 'aborted';
  /** 'lbfgs': epochs are L-BFGS rounds (a gap check after each pull of the path); 'sgd': SGD epochs. */
  optimizer?: 'lbfgs' | 'sgd';
  /** Training images used. */
  trainImages: number;
}

/** Mitigation status carried in every PanelState. */
export interface MitigationState {
  running: TuningMethod | null;
  maxEpochs: number;
  /** Points of the run in progress (epoch 0 = before tuning). */
  history: MitigationPoint[];
  /** Latest result per method; exports use the newest. */
  results: MitigationResult[];
  /** Tuning images per class and the early-stopping gap (points), from the user's settings. */
  tuneK?: number;
  gapThresholdPoints?: number;
}

/** A spurious feature of one class that is a core feature of another. */
export interface CollisionPair {
  /** The class for which the feature is spurious. */
  spuriousClass: string;
  /** The class for which the same feature is core. */
  coreClass: string;
  feature: number;
  /** Validation images of spuriousClass predicted as coreClass. */
  confusions: number;
}

/**
 * Why an image is in the review queue; 'marked': the user marked it (excluded images are in no ranking, so only here);
 * 'misclassified': a validation image the head calls another class, most probable first (a wrong label or a confusing image).
 */
export type ReviewReason = 'negative-gap' | 'collision' | 'marked' | 'misclassified';
/** What a review can mark on an image: its label is wrong, or it is left out of rankings, gaps and tuning. */
export type ReviewMarkKind = 'labelError' | 'excluded';

/** An image worth a second look. */
export interface ReviewItem {
  id: string;
  thumbUri: string;
  label: string;
  predicted: string;
  spuriosity: number | null;
  reason: ReviewReason;
  /** One line shown beside the image, e.g. which class it collides with. */
  note: string;
  /** Marks from the review file (beside the annotations). */
  labelError?: boolean;
  excluded?: boolean;
}

/** A model whose features the Labeling view can label: the ranked model or a model of the last comparison. */
export interface LabelingModel {
  sha256: string;
  /** Short name (the comparison's id, or the ranked model's file name). */
  id: string;
  /** Its annotation file. */
  annotations: string;
  /** (class, feature) pairs labeled spurious. */
  spuriousPairs: number;
  /** True for the model the dataset is ranked with (the panel state describes it). */
  ranked: boolean;
}

/** The models the Labeling view can switch between, and the one it labels now. */
export interface LabelingModels {
  models: LabelingModel[];
  /** sha256 of the model being labeled. */
  active: string;
  /** True while the active model's analysis opens (its features load from the cache). */
  loading: boolean;
  /** The active model's classes, labeling order, progress and top-k when it is not the ranked model (else the panel state's). */
  classes?: ClassSummary[];
  order?: string[];
  progress?: { labeledClasses: number; totalClasses: number };
  topK?: number;
}

/** Severity of a notification. */
export type NoticeLevel = 'info' | 'warning' | 'error';

/** Messages from the host to the webview. */
export type HostToWebview =
  | { type: 'state'; state: PanelState }
  | { type: 'classPage'; page: ClassPage }
  | { type: 'imageDetail'; detail: ImageDetail }
  | { type: 'featureCards'; class: string; cards: FeatureCard[] }
  | { type: 'mitigationProgress'; method: TuningMethod; point: MitigationPoint }
  | { type: 'mitigationResult'; result: MitigationResult }
  | { type: 'collisions'; pairs: CollisionPair[] }
  | { type: 'reviewQueue'; items: ReviewItem[] }
  | { type: 'notify'; level: NoticeLevel; message: string }
  | { type: 'showTab'; tab: Tab; class?: string }
  | { type: 'jobProgress'; progress: JobProgress }
  /** A panel job ended (done, cancelled or failed: failures also arrive as a notify). */
  | { type: 'jobEnded'; job: PanelJob }
  /** The core crop of one image for the detail view; crop null with a note when there is none. */
  | { type: 'imageCrop'; id: string; crop: CropView | null; note: string | null }
  | { type: 'cropRecheck'; recheck: CropRecheck }
  | { type: 'sensitivity'; result: SensitivityView }
  | { type: 'comparison'; comparison: ComparisonView }
  /** Which models the Labeling view can label and which one it labels (sent after a comparison and on a switch). */
  | { type: 'labelingModels'; models: LabelingModels }
  /** New mask suggestions were written: feature cards shown so far carry the old badges. */
  | { type: 'suggestionsChanged' };

/** Messages from the webview to the host; validate with parseWebviewMessage before use. */
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'requestClassPage'; class: string; order: SortOrder; offset: number; count: number; overlay: boolean; split?: Split; heat?: HeatChoice; filter?: GalleryFilter }
  | { type: 'requestImageDetail'; id: string }
  | { type: 'requestFeatureCards'; class: string }
  | { type: 'setLabel'; class: string; feature: number; label: FeatureLabel | null; subtype?: SpuriousSubtype }
  | { type: 'runMitigation'; method: TuningMethod }
  | { type: 'cancel'; target: CancelTarget }
  | { type: 'export'; kind: ExportKind }
  | { type: 'openImage'; id: string }
  | { type: 'requestCollisions' }
  | { type: 'requestReviewQueue' }
  | { type: 'showTab'; tab: Tab }
  | { type: 'requestImageCrop'; id: string }
  /** Re-classify the class's highest-spuriosity validation images on their core crops. */
  | { type: 'runCropRecheck'; class: string }
  /** Write crops (or a manifest of boxes) of the class, or of every class, to a folder the user picks. */
  | { type: 'exportCrops'; class?: string }
  | { type: 'requestSensitivity'; class: string; feature: number }
  /** Pick models and compare them (the host asks which models). */
  | { type: 'runComparison' }
  /** Set (on) or clear one review mark of an image; written to the review file, rankings follow an exclusion. */
  | { type: 'markImage'; id: string; mark: ReviewMarkKind; on: boolean }
  /** Label another model's features (sha256 of a compared model; null: back to the ranked model). */
  | { type: 'selectLabelingModel'; model: string | null }
  /** Accept machine suggestions as labels: one feature, a class's confident ones, or every class's (no class); a person's labels are kept. */
  | { type: 'acceptSuggestions'; class?: string; feature?: number }
  /** Compute mask suggestions for every class's top features (source from the settings, else <dataset>/masks). */
  | { type: 'suggestLabels' };

/** Largest gallery page the host will serve in one message. */
export const MAX_PAGE_COUNT = 500;

/** Compile-time exhaustiveness check for switches over the unions above. */
export function assertNever(x: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(x)}`);
}

export { parseWebviewMessage } from './parse-webview-message';
