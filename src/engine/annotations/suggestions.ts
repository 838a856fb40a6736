// Machine suggestions for (class, feature) labels, stored beside the annotation file
// (`<dataset>/.spuriosity/suggestions.<sha8>.json`), never in it: a suggestion becomes a label only when accepted, and
// then as an ordinary label with its origin recorded. A person's label is never overwritten by a suggestion.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LabelOrigin } from '../../core/annotations';
import { DEFAULT_SUGGEST_THRESHOLDS, suggestFromScore, type Suggestion, type SuggestThresholds } from '../../core/maskScore';
import { stableStringify } from '../../core/stableJson';
import { writeAtomic } from '../fs/writeAtomic';
import type { MaskScoreResult } from '../masks/maskScoreJob';
import type { FeatureVerdict } from './labelStore';

/** Top-activating images a pair is scored on (the labeling view shows the first 5 of them). */
export const DEFAULT_IMAGES_PER_FEATURE = 20;

/** One pair's suggestion and the score behind it. */
export interface PairSuggestion {
  /** Mean share of NAM mass on the object, or null when no image could be scored. */
  score: number | null;
  /** Spread (standard deviation) of the share over images, or null. */
  sd: number | null;
  /** Images scored, and images left out by reason. */
  images: number;
  skipped: { noMask: number; noMap: number; emptyMask: number; zeroMap: number };
  suggestion: Suggestion;
  /** Why there is no suggestion (null when there is one). */
  why: string | null;
}

/** The suggestions file. */
export interface SuggestionFile {
  version: 1;
  model: { sha256: string; name: string };
  dataset: string;
  /** Where the masks came from (a folder path, or a segmentation model file). */
  source: string;
  thresholds: SuggestThresholds;
  imagesPerFeature: number;
  createdAt: string;
  /** Per class name, per feature index (decimal string). */
  pairs: { [cls: string]: { [feature: string]: PairSuggestion } };
}

/** Default location, beside the annotation file of the same model. */
export function defaultSuggestionPath(datasetRoot: string, modelSha256: string): string {
  return join(datasetRoot, '.spuriosity', `suggestions.${modelSha256.slice(0, 8)}.json`);
}

/** Reads a suggestions file; null when absent. Throws, naming the file, when it is not one. */
export async function readSuggestionFile(path: string): Promise<SuggestionFile | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read suggestions file ${path}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new Error(`${path}: not valid JSON (${(e as Error).message}); delete it and run the suggestions again`);
  }
  const f = v as Partial<SuggestionFile> | null;
  if (!f || f.version !== 1 || typeof f.pairs !== 'object' || !f.model || typeof f.model.sha256 !== 'string') {
    throw new Error(`${path}: not a suggestions file (expected { version: 1, model, pairs, ... }); delete it and run the suggestions again`);
  }
  return f as SuggestionFile;
}

/** Writes a suggestions file atomically (sorted keys, trailing newline). */
export async function writeSuggestionFile(path: string, file: SuggestionFile): Promise<void> {
  await writeAtomic(path, stableStringify(file));
}

const fin = (x: number): number | null => (Number.isFinite(x) ? Math.round(x * 1e4) / 1e4 : null);

/** The suggestions file for a job's scores under the thresholds. */
export function suggestionsFromScores(
  result: MaskScoreResult,
  meta: { model: { sha256: string; name: string }; dataset: string; source: string; imagesPerFeature: number; now?: Date },
  thresholds: SuggestThresholds = DEFAULT_SUGGEST_THRESHOLDS,
): SuggestionFile {
  const pairs: SuggestionFile['pairs'] = {};
  for (const p of result.pairs) {
    const suggestion = suggestFromScore(p.score, thresholds);
    let why: string | null = null;
    if (suggestion === null) {
      if (p.score.images < thresholds.minImages) {
        why = p.noMask > 0 && p.score.images === 0 ? 'no image of this feature has a usable mask'
          : `only ${p.score.images} image(s) could be scored (masks missing or empty, or the feature silent); ${thresholds.minImages} needed`;
      } else why = `between the thresholds (${pct(thresholds.spurious)} - ${pct(thresholds.core)} on the object)`;
    }
    (pairs[p.cls] ??= {})[String(p.feature)] = {
      score: fin(p.score.mean), sd: fin(p.score.sd), images: p.score.images,
      skipped: { noMask: p.noMask, noMap: p.noMap, emptyMask: p.score.skipped['empty-mask'], zeroMap: p.score.skipped['zero-map'] },
      suggestion, why,
    };
  }
  return {
    version: 1, model: { ...meta.model }, dataset: meta.dataset, source: meta.source, thresholds: { ...thresholds },
    imagesPerFeature: meta.imagesPerFeature, createdAt: (meta.now ?? new Date()).toISOString(), pairs,
  };
}

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/** The badge text of a score: "83% on the object". */
export function scoreText(score: number): string {
  return `${pct(score)} on the object`;
}

/** The label an accepted suggestion becomes: spurious ones are background (the feature fires off the object). */
export function verdictOf(p: PairSuggestion, source: string): FeatureVerdict | null {
  if (p.suggestion === null || p.score === null) return null;
  const origin: LabelOrigin = { by: 'mask-suggestion', source, score: p.score };
  return p.suggestion === 'spurious'
    ? { label: 'spurious', subtype: 'background', note: `mask suggestion: ${scoreText(p.score)}`, origin }
    : { label: 'core', note: `mask suggestion: ${scoreText(p.score)}`, origin };
}
