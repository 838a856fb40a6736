// Pure helpers of the sensitivity table: which corruption the model needs most, and what it suggests.
import { CORRUPTIONS, type Corruption, type SensitivityView } from '../../shared/protocol';

/** Column titles: what each corruption removes from the feature's region. */
export const CORRUPTION_TITLES: Record<Corruption, string> = { colour: 'Colour', texture: 'Texture', shape: 'Shape' };
/** How each cue is removed from the region, for tooltips. */
export const CORRUPTION_METHODS: Record<Corruption, string> = {
  colour: 'region grayed', texture: 'region blurred', shape: 'region cut into patches, each rotated by a random multiple of 90°',
};

/** Drops smaller than this (0..1 scale) are read as "no sensitivity": 2 points is within noise on ~65 images. */
export const NOTABLE_DROP = 0.02;

/** The corruption with the largest accuracy drop, or null when none drops by at least NOTABLE_DROP. */
export function largestDrop(v: Pick<SensitivityView, 'drops'>): Corruption | null {
  let best: Corruption | null = null;
  for (const c of CORRUPTIONS) {
    const d = v.drops[c];
    if (Number.isFinite(d) && d >= NOTABLE_DROP && (best === null || d > v.drops[best])) best = c;
  }
  return best;
}

/** A short reading of the row for a human deciding core vs spurious. */
export function sensitivityHint(v: Pick<SensitivityView, 'drops' | 'images'>): string {
  if (v.images === 0) return 'No images of the class activate this feature.';
  const c = largestDrop(v);
  if (c === null) return 'The model barely needs this region: no corruption drops accuracy by 2 points or more.';
  return `The model relies on this region's ${c} most (${CORRUPTION_METHODS[c]}: the largest accuracy drop).`;
}
