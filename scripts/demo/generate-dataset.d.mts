// Types for the plain-JavaScript demo generator, so TypeScript tests and scripts can import it.

/** Pixel style of the planted cue and of the background noise. */
export interface CueStyle { saturation: number; stripeAmplitude: number; noise: number; hueJitter: number; angleJitter: number }

/** Generator options; every field has a default (see DEFAULTS). */
export interface GenerateOptions {
  out?: string;
  seed?: number;
  trainPerClass?: number;
  /** Must be even: exactly half of each class's validation images carry the cue. */
  valPerClass?: number;
  probesPerClass?: number;
  /** Share of each class's training images drawn over the class cue (the rest over a neutral background). */
  trainCueFraction?: number;
  cueStyle?: Partial<CueStyle>;
  /** Regenerate even when params.json shows the same parameters. */
  force?: boolean;
  log?: (msg: string) => void;
  /** Digits to draw instead of the mnist package's (the installed extension's packed subset, see bundled.mjs). */
  digits?: DigitSource;
}

/** MNIST digits per class: `length` digits, `get(i)` a 28 x 28 array of intensities in [0, 1]. */
export interface DigitSource { mnistVersion: string; recipe: string; classes: Array<{ length: number; get(i: number): number[] }> }

/** Hash of the pixel recipe's source files. */
export function recipeHash(): string;

/** One image's ground truth in ground-truth.json. */
export interface GroundTruthImage { split: 'train' | 'val'; label: string; cue: boolean }

/** The ground-truth.json written at the dataset root. */
export interface GroundTruth {
  seed: number;
  generator: string;
  classes: string[];
  cue: Record<string, string>;
  cueFraction: { train: number; val: number };
  probes: { cue: string; object: string };
  images: Record<string, GroundTruthImage>;
}

/** Version of the pixel recipe, recorded in params.json and ground-truth.json. */
export const GENERATOR_VERSION: string;
/** Recipe of the object masks under masks/ (written to masks/.done once all are). */
export const MASKS_VERSION: string;
/** Class folder names in label order ('0-zero' ... '9-nine'). */
export const CLASSES: readonly string[];
/** Default options. */
export const DEFAULTS: Readonly<{ out: string; seed: number; trainPerClass: number; valPerClass: number; probesPerClass: number; trainCueFraction: number }>;
/** Generates (or reuses) the demo dataset and returns its absolute directory. */
export function generateDemoDataset(opts?: GenerateOptions): Promise<string>;
