// Whether a class's gap is a finding: only when its bootstrap interval excludes 0 (core gapSignificance). The host
// sends the verdict and the validation images that would settle an open gap; older hosts (and the harness) may not,
// so the verdict is derived from the interval here with the same rule.
import { gapSignificance, valImagesForSignificance } from '../../core/gap';
import type { ClassSummary, GapSignificance, PanelState } from '../../shared/protocol';
import { formatCount } from './format';

/** The gap's verdict, or null without a gap or without an interval (a point estimate alone is never a finding). */
export function significanceOf(c: Pick<ClassSummary, 'gap' | 'significance'>): GapSignificance | null {
  if (c.significance) return c.significance;
  if (!c.gap || c.gap.lo === c.gap.hi) return null;
  return gapSignificance(c.gap.lo, c.gap.hi);
}

/**
 * The mean gap's verdict by the per-class rule (core gapSignificance on its bootstrap interval, as `gap --json`
 * gives it): the host's, else derived from the interval; null without a gap or an interval.
 */
export function meanSignificanceOf(p: Pick<PanelState, 'meanGap' | 'meanGapSignificance'>): GapSignificance | null {
  return p.meanGap ? significanceOf({ gap: { ...p.meanGap, k: 0 }, significance: p.meanGapSignificance }) : null;
}

/** Tooltip of the mean gap's verdict chip. */
export const MEAN_VERDICT_HELP: Record<GapSignificance, string> = {
  positive: "The mean gap's 95% interval lies above 0: across the ranked classes, high-spuriosity images are classified better than low-spuriosity ones",
  negative: "The mean gap's 95% interval lies below 0: across the ranked classes, low-spuriosity images are classified better; review for label noise",
  'not-significant': "The mean gap's 95% interval includes 0: across the ranked classes this may be noise, not a finding",
};

/** True when the class's gap is significantly negative: the only case worth a re-check on core crops. */
export function isSignificantNegative(c: Pick<ClassSummary, 'gap' | 'significance'>): boolean {
  return significanceOf(c) === 'negative';
}

/** "About 1,488 validation images (k = 157 at each end, now 238 and k = 25) would settle it…", or '' when it cannot be said. */
export function imagesNeededText(c: Pick<ClassSummary, 'gap' | 'valImages' | 'valImagesNeeded'>): string {
  const need = c.valImagesNeeded !== undefined ? c.valImagesNeeded
    : c.gap ? valImagesForSignificance(c.valImages, c.gap.value, c.gap.lo, c.gap.hi) : null;
  if (!c.gap || need === null || need <= c.valImages) return '';
  const k = Math.ceil((c.gap.k * need) / Math.max(1, c.valImages));
  return `About ${formatCount(need)} validation images (k = ${formatCount(k)} at each end, `
    + `now ${formatCount(c.valImages)} and k = ${c.gap.k}) would settle it if the gap stayed the same.`;
}

/** One sentence for a gap that is not significant: why, and how many validation images would settle it. */
export function notSignificantText(c: Pick<ClassSummary, 'gap' | 'valImages' | 'valImagesNeeded'>): string {
  const need = imagesNeededText(c);
  return `Not significant: its 95% interval includes 0, so this gap may be noise.${need ? ` ${need}` : ''}`;
}
