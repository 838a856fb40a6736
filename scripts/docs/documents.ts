// The documents Spuriosity Lens writes, each named once for scripts/docs/reference.mjs, which generates
// docs/reference/ from these types (their doc comments become the descriptions). A type here is the one the
// writer uses, so the reference cannot say something the code does not write; `npm run lint` fails when the
// committed reference no longer matches.
import type { AnnotationFile } from '../../src/core/annotations';
import type { ReviewFile } from '../../src/engine/review/reviewFile';
import type { HeadJsonDocument } from '../../src/engine/export/headFiles';
import type { CropManifest, CropReport } from '../../src/engine/crop/types';
import type { CompareReport } from '../../src/engine/compare/types';
import type { SensitivityReport } from '../../src/engine/sensitivity/types';
import type { gapReport, rankReport } from '../../src/engine/analysis/report';
import type { ExtractReport } from '../../src/cli/report';
import type { tuneReport } from '../../src/cli/commands/tune';
import type { FeaturesImportReport } from '../../src/cli/commands/features';
import type { FeaturesExportReport } from '../../src/cli/commands/featuresExport';
import type { GapSignificance } from '../../src/core/gap';
import type { Schedule, TunePreset } from '../../src/core/mitigate';
import type { Grouping, HeadSource, Points, SpuriousSubtype, FeatureLabel, TuningMethod } from '../../src/core/vocabulary';
import type { Dataset } from '../../src/engine/dataset/types';

/** `<dataset>/.spuriosity/annotations.<model sha8>.json`: the feature labels of one model on one dataset. */
export type AnnotationsJson = AnnotationFile;
/** `<dataset>/.spuriosity/review.json`: the review queue's marks on single images. */
export type ReviewJson = ReviewFile;
/** A tuned or exported linear head (Export → Head as JSON, `tune --out DIR`'s `head-<method>.json`). */
export type HeadJson = HeadJsonDocument;
/** `crop-manifest.json` in a core-crop export folder. */
export type CropManifestJson = CropManifest;
/** `spuriosity extract --json`. */
export type ExtractJson = ExtractReport;
/** `spuriosity features export --json`: what was written (one Parquet row per image), for which dataset and model. */
export type FeaturesExportJson = FeaturesExportReport;
/** `spuriosity features import --json`: what each Parquet file gave the feature cache, and every problem found. */
export type FeaturesImportJson = FeaturesImportReport;
/** `spuriosity rank --json`. */
export interface RankJson extends ReportHeader {
  schema: string;
  /** Top features per class (--k). */
  topK: number;
  grouping: Grouping;
  classes: RankClass[];
}
/** `spuriosity gap --json`. */
export interface GapJson extends ReportHeader {
  schema: string;
  /** Images at each end of a class's ranking (--gap-k; a class uses at most half its validation images). */
  k: number;
  /** Bootstrap resamples of the 95% intervals (0: none). */
  bootstrap: number;
  /** Mean over the measured classes; null when no class has a spurious feature; lo/hi null with --bootstrap 0. */
  meanGap: { value: Points | null; lo: Points | null; hi: Points | null; significance?: GapSignificance | null } | null;
  /** Share of measured classes whose gap is below 0 (a fraction); null when none is measured. */
  negativeShare: number | null;
  classes: GapClass[];
  /** Classes left out of the mean, and why. */
  excluded: Array<{ name: string; reason: string }>;
  /** Classes without a spurious feature: no ranking, not in the mean. */
  unranked: string[];
}
/** `spuriosity tune --json`. */
export interface TuneJson {
  schema: 'spuriosity-lens/tune@1';
  /** The dataset's root folder. */
  dataset: string;
  model: { path: string; sha256: string };
  head: HeadSource;
  /** Tuning images per class (--tune-k). */
  tuneK: number;
  /** The mean gap (points) under which tuning stops (--threshold). */
  thresholdPoints: Points;
  preset: TunePreset;
  methods: TuneMethodReport[];
}

/** What every rank / gap report starts with: the data, the model and the head. */
export interface ReportHeader {
  dataset: { root: string; layout: Dataset['layout']; validationSource: string | null; classes: number; images: { train: number; val: number; excluded: number } };
  model: { path: string; sha256: string; name: string | null; dim: number; classes: number };
  head: HeadSource;
  /** Dataset classes that map onto none of the model's labels. */
  unmappedClasses: string[];
  valAccuracy: Points | null;
}
/** One class of rank --json. */
export interface RankClass {
  name: string;
  trainImages: number;
  valImages: number;
  valAccuracy: Points | null;
  topFeatures: Array<{
    feature: number;
    importance: number;
    /** Accuracy on the class's top-25 minus bottom-25 images by this feature alone, and which split it was measured on. */
    perFeatureGap: Points | null;
    perFeatureGapSplit: 'train' | 'val' | null;
    label: FeatureLabel | null;
    subtype: SpuriousSubtype | null;
    /** Relative paths of the feature's most-activating images. */
    topImages: string[];
  }>;
  /** Why the class has no top features (e.g. no training image), or null. */
  noFeaturesReason: string | null;
  spuriousFeatures: number[];
  /** The ends of the class's spuriosity rankings; null without a spurious feature. */
  ranking: { train: RankingEnds; val: RankingEnds } | null;
}
/** The lowest- and highest-spuriosity images of one split (--show of each). */
export interface RankingEnds {
  images: number;
  lowest: Array<{ image: string; spuriosity: number; correct: boolean }>;
  highest: Array<{ image: string; spuriosity: number; correct: boolean }>;
  /** Spurious features with no spread in the class (sigma 0): they add 0 to every score. */
  zeroSigmaFeatures: number[];
}
/** One measured class of gap --json. */
export interface GapClass {
  name: string;
  valImages: number;
  /** Images used at each end. */
  k: number;
  accHigh: Points | null;
  accLow: Points | null;
  gap: Points | null;
  /** The 95% bootstrap interval [lo, hi]; null with --bootstrap 0. */
  ci: Array<Points | null> | null;
  /** The point estimate is below 0. */
  negative: boolean;
  /** negative / positive when the interval excludes 0, else not-significant; null without an interval. */
  significance: GapSignificance | null;
  /** For a not-significant gap: the validation images that would make its interval exclude 0 if it stayed the same. */
  valImagesNeeded: number | null;
}
/** One method's run in tune --json. */
export interface TuneMethodReport {
  method: TuningMethod;
  tuningImages: number;
  schedule: Schedule;
  stoppedBecause: 'below-threshold' | 'max-epochs' | 'max-iterations' | 'converged' | 'accuracy-guard' | 'aborted';
  before: { gap: Points | null; valAccuracy: Points | null };
  after: { gap: Points | null; valAccuracy: Points | null; epoch: number; steps: number | null };
  /** One row per epoch (SGD) or round of the pull path (L-BFGS); after an accuracy-guard stop the last row is the round not kept. */
  history: Array<{ epoch: number; steps: number | null; gap: Points | null; valAccuracy: Points | null; trainLoss: number | null }>;
  /** Files written by --out. */
  files: string[];
}

// The hand-written report types above must stay the very types the writers return: mutual assignability is checked
// here, so a change to a report that is not made here too fails the typecheck (and with it the reference).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const rankJsonIsRankReport: Same<RankJson, ReturnType<typeof rankReport>> = true;
type GapReport = ReturnType<typeof gapReport>;
type MeanGapOf<T extends { meanGap: unknown }> = Omit<NonNullable<T['meanGap']>, 'significance'>;
// meanGap.significance is optional here while the mean's verdict lands in gapReport; the rest must match exactly.
export const gapJsonIsGapReport: Same<Omit<GapJson, 'meanGap'>, Omit<GapReport, 'meanGap'>> = true;
export const gapJsonMeanGap: Same<MeanGapOf<GapJson>, MeanGapOf<GapReport>> = true;
export const tuneJsonIsTuneReport: Same<TuneJson, ReturnType<typeof tuneReport>> = true;
/** `spuriosity crop --json`. */
export type CropJson = CropReport;
/** `spuriosity sensitivity --json`. */
export type SensitivityJson = SensitivityReport;
/** `spuriosity compare --json`. */
export type CompareJson = CompareReport;
