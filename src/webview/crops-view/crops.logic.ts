// Pure helpers of the core-crop views: where to draw a box over an image, how to show only the
// box's region of a thumbnail (CSS background geometry, so no cropped image file is needed), and
// which classes to offer for a re-check.
import type { BoxFraction, ClassSummary, CropCounts, CropView } from '../../shared/protocol';
import { isSignificantNegative } from '../lib/significance';

const pct = (x: number): string => `${+(x * 100).toFixed(3)}%`;
const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** Absolute-position style (percent of the image element) of a box drawn over the whole image. */
export function boxStyle(b: BoxFraction): string {
  const x = clamp01(b.x);
  const y = clamp01(b.y);
  return `left:${pct(x)};top:${pct(y)};width:${pct(Math.min(clamp01(b.w), 1 - x))};height:${pct(Math.min(clamp01(b.h), 1 - y))}`;
}

/**
 * Background style that shows only the box's region of an image in an element with the box's aspect ratio:
 * the image is scaled by 1/w x 1/h and shifted so the box's corner is at the element's corner.
 */
export function cropBackground(uri: string, b: BoxFraction): string {
  const w = Math.max(1e-6, clamp01(b.w));
  const h = Math.max(1e-6, clamp01(b.h));
  // background-position p% aligns the image's p% point with the element's p% point: solve for the box corner.
  const pos = (start: number, size: number): string => (size >= 1 ? '0%' : pct(clamp01(start) / (1 - size)));
  return `background-image:url("${uri.replace(/"/g, '%22')}");background-size:${pct(1 / w)} ${pct(1 / h)};` +
    `background-position:${pos(b.x, w)} ${pos(b.y, h)};background-repeat:no-repeat`;
}

/** Aspect ratio (width / height) of the box in the original image's pixels. */
export function boxAspect(c: Pick<CropView, 'box' | 'imageSize'>): number {
  if (!c.box || c.imageSize.height <= 0) return 1;
  const r = (c.box.w * c.imageSize.width) / Math.max(1e-9, c.box.h * c.imageSize.height);
  return Number.isFinite(r) && r > 0 ? r : 1;
}

/** True when cropping changed the predicted class. */
export function predictionChanged(c: Pick<CropView, 'original' | 'cropped'>): boolean {
  return c.cropped !== null && c.cropped.predicted !== c.original.predicted;
}

/** "fixed" (wrong -> right), "broken" (right -> wrong), "changed" (wrong -> another wrong), or null when unchanged. */
export function changeKind(c: Pick<CropView, 'original' | 'cropped'>): 'fixed' | 'broken' | 'changed' | null {
  if (!predictionChanged(c)) return null;
  if (!c.original.correct && c.cropped!.correct) return 'fixed';
  if (c.original.correct && !c.cropped!.correct) return 'broken';
  return 'changed';
}

/** One-line summary of a re-check's counts. */
export function countsText(n: CropCounts): string {
  if (n.images === 0) return 'No images to re-check.';
  const parts = [`${n.changed} of ${n.cropped} cropped image${n.cropped === 1 ? '' : 's'} changed prediction`];
  parts.push(`${n.fixed} fixed`, `${n.broken} broken`);
  if (n.cropped < n.images) parts.push(`${n.images - n.cropped} without a core box`);
  parts.push(`${n.reliable} reliable`);
  return `${parts[0]} (${parts.slice(1).join(', ')}).`;
}

/** Classes offered for a re-check: negative-gap classes first (the paper's use), then the rest with a gap, each by gap. */
export function recheckClasses(classes: readonly ClassSummary[]): { negative: string[]; others: string[] } {
  const withGap = classes.filter((c) => c.gap !== null).sort((a, b) => a.gap!.value - b.gap!.value || a.name.localeCompare(b.name));
  return { negative: withGap.filter(isSignificantNegative).map((c) => c.name), others: withGap.filter((c) => !isSignificantNegative(c)).map((c) => c.name) };
}

/** The class the crops view shows: the chosen one if it still has a gap, else the most negative. */
export function cropsClass(classes: readonly ClassSummary[], chosen: string | null): string | null {
  const { negative, others } = recheckClasses(classes);
  if (chosen && (negative.includes(chosen) || others.includes(chosen))) return chosen;
  return negative[0] ?? others[0] ?? null;
}
