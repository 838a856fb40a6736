// The product's vocabulary: one spelling and one unit per concept, defined here once and imported by core, engine,
// shared (the webview protocol), extension and CLI. Words that reach files on disk are the ones the files use; older
// spellings are accepted when reading (see the parse* helpers) and never written.
//
// Units: accuracies and gaps are FRACTIONS (0.05 = 5 points) in core, the engine's sessions and the webview protocol.
// They become POINTS (0..100) only at the edges, with toPoints / fromPoints: the --json outputs and reports the tool
// writes, terminal text, the webview's formatting, and the settings and flags a user types (gapThreshold, --threshold,
// --max-gap are points, converted once where they are read).

/** A human's verdict on a (class, feature) pair. */
export type FeatureLabel = 'core' | 'spurious';
/** Both labels. */
export const FEATURE_LABELS: readonly FeatureLabel[] = ['core', 'spurious'];

/** What kind of spurious cue a feature is, in Salient ImageNet's words (its votes and our annotation files use them). */
export type SpuriousSubtype = 'background' | 'separate_object';
/** Both subtypes, in tie-break order. */
export const SPURIOUS_SUBTYPES: readonly SpuriousSubtype[] = ['background', 'separate_object'];

/** How one feature's region is corrupted to test what the model reads there (paper appendix B). */
export type Corruption = 'gray' | 'blur' | 'patch-rotate';
/** Every corruption, in report and table order. */
export const CORRUPTIONS: readonly Corruption[] = ['gray', 'blur', 'patch-rotate'];
/** The visual cue a corruption takes away. */
export type Cue = 'colour' | 'texture' | 'shape';
/** Which cue each corruption tests: graying removes colour, blurring texture, rotating patches shape. */
export const CORRUPTION_CUE: Readonly<Record<Corruption, Cue>> = { gray: 'colour', blur: 'texture', 'patch-rotate': 'shape' };

/** How the fine-tuning images of each class are chosen: the k lowest-spuriosity ones (the paper), k random ones, or misclassified ones. */
export type TuningMethod = 'low-spuriosity' | 'random' | 'error';
/** All tuning methods, in display order. */
export const TUNING_METHODS: readonly TuningMethod[] = ['low-spuriosity', 'random', 'error'];

/** Which head classifies: the model's own (mapped by class names), one fitted on the dataset, or whichever fits (auto). */
export type HeadMode = 'auto' | HeadSource;
/** The head an analysis ended up with: the model's own or one fitted on the dataset's training split. */
export type HeadSource = 'model' | 'fit';
/** Which training images a class's feature importance averages over: those predicted as the class, or those of the class classified correctly. */
export type Grouping = 'predicted' | 'correct';

/**
 * A tuning method as written by any version: 'low' is what the CLI wrote into head JSON (`method`) and tune --json
 * before the vocabulary was one; null for anything else.
 */
export function parseTuningMethod(s: unknown): TuningMethod | null {
  if (s === 'low') return 'low-spuriosity';
  return typeof s === 'string' && (TUNING_METHODS as readonly string[]).includes(s) ? (s as TuningMethod) : null;
}

/** A spurious subtype as written by any version ('separate-object' was the panel's spelling); null for anything else. */
export function parseSpuriousSubtype(s: unknown): SpuriousSubtype | null {
  if (s === 'separate-object') return 'separate_object';
  return s === 'background' || s === 'separate_object' ? s : null;
}

/** An accuracy or gap as a fraction of 1 (0.05 = 5 points): the unit of core, the sessions and the protocol. */
export type Fraction = number;
/** An accuracy or gap in percentage points (0..100): the unit of files, reports, settings and flags. */
export type Points = number;

/** A fraction in points, rounded to 2 decimals (what files and reports carry); null for NaN/infinite (no value). */
export function toPoints(x: Fraction): Points | null {
  return Number.isFinite(x) ? Math.round(x * 10000) / 100 : null;
}

/** Points a user typed (a setting, a flag) as the fraction the engine works in. */
export function fromPoints(p: Points): Fraction {
  return p / 100;
}
