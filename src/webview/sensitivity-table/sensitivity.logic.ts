// Pure helpers of the sensitivity table: which corruption the model needs most, by which measure, and what it suggests.
import { CORRUPTION_CUE, CORRUPTIONS, type Corruption, type SensitivityView } from '../../shared/protocol';

/** Column titles: the cue each corruption removes from the feature's region. */
export const CORRUPTION_TITLES: Record<Corruption, string> = { gray: 'Colour', blur: 'Texture', 'patch-rotate': 'Shape' };
/** How each cue is removed from the region, for tooltips. */
export const CORRUPTION_METHODS: Record<Corruption, string> = {
  gray: 'region grayed', blur: 'region blurred', 'patch-rotate': 'region cut into patches, each rotated by a random multiple of 90°',
};

/** The two readings of a corruption: the paper's accuracy drop, and the mean drop of the true class's probability. */
export type SensitivityMeasure = 'accuracy' | 'probability';
/** Table order of the measures. */
export const MEASURES: readonly SensitivityMeasure[] = ['accuracy', 'probability'];
/** Row titles (short: the card is narrow) and what each number is, for tooltips and the legend. */
export const MEASURE_TITLES: Record<SensitivityMeasure, string> = { accuracy: 'Acc.', probability: 'P(true)' };
export const MEASURE_HELP: Record<SensitivityMeasure, string> = {
  accuracy: 'Accuracy drop: clean accuracy minus accuracy with the region corrupted, in points (the paper\'s sensitivity)',
  probability: 'Probability drop: mean drop of the true class\'s softmax probability, clean minus corrupted, in points; still moves when accuracy saturates',
};

/** The drops of one measure. */
export function dropsOf(v: Pick<SensitivityView, 'drops' | 'probabilityDrops'>, m: SensitivityMeasure): Record<Corruption, number> {
  return m === 'accuracy' ? v.drops : v.probabilityDrops;
}

/** Drops smaller than this (0..1 scale) are read as "no sensitivity": 2 points is within noise on ~65 images. */
export const NOTABLE_DROP = 0.02;

/** The corruption with the largest drop, or null when none drops by at least NOTABLE_DROP. */
export function largestDrop(drops: Record<Corruption, number>): Corruption | null {
  let best: Corruption | null = null;
  for (const c of CORRUPTIONS) {
    const d = drops[c];
    if (Number.isFinite(d) && d >= NOTABLE_DROP && (best === null || d > drops[best])) best = c;
  }
  return best;
}

/** The cell to highlight: a corruption and the measure that picked it. */
export interface SensitivityPick {
  measure: SensitivityMeasure;
  corruption: Corruption;
}

/**
 * The largest accuracy drop; when accuracy is saturated (no corruption flips NOTABLE_DROP of the predictions, e.g.
 * a cue feature's images stay correct because the object's features still carry the class) the largest probability drop.
 * Null when neither measure moves.
 */
export function sensitivityPick(v: Pick<SensitivityView, 'drops' | 'probabilityDrops'>): SensitivityPick | null {
  for (const measure of MEASURES) {
    const corruption = largestDrop(dropsOf(v, measure));
    if (corruption !== null) return { measure, corruption };
  }
  return null;
}

/** A short reading of the table for a human deciding core vs spurious. */
export function sensitivityHint(v: Pick<SensitivityView, 'drops' | 'probabilityDrops' | 'images'>): string {
  if (v.images === 0) return 'No images of the class activate this feature.';
  const pick = sensitivityPick(v);
  if (pick === null) return 'The model barely needs this region: no corruption drops accuracy or the true class\'s probability by 2 points or more.';
  const c = CORRUPTION_CUE[pick.corruption];
  const how = CORRUPTION_METHODS[pick.corruption];
  if (pick.measure === 'accuracy') return `The model relies on this region's ${c} most (${how}: the largest accuracy drop).`;
  return `Accuracy is saturated (no corruption flips 2 points of the predictions: other features still carry the class), `
    + `but the model's confidence relies on this region's ${c} most (${how}: the largest probability drop).`;
}
