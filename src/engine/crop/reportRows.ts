// The per-image rows and counts of a crop report.
import type { EdgeBox } from '../../core/cropBox';
import type { AnalysisSession } from '../analysis/session';
import type { CropItemResult } from './cropFeatures';
import type { CropTarget } from './select';
import type { CropChange, CropCounts, CropImage, CropPrediction } from './types';

/** What the analysis knows about one class when it builds the rows. */
export interface ClassCrops {
  t: CropTarget;
  core: number[];
  activation: Map<number, number>;
  reliable: Set<number>;
}

function changeOf(original: CropPrediction, cropped: CropPrediction): CropChange {
  if (original.predicted === cropped.predicted) return 'same';
  if (!original.correct && cropped.correct) return 'fixed';
  if (original.correct && !cropped.correct) return 'broken';
  return 'changed-wrong';
}

const round4 = (x: number) => Math.round(x * 10000) / 10000;

/** One row per image of the class, in the target's order. */
export function reportRows(
  s: AnalysisSession, c: ClassCrops, cropped: Map<string, { item: CropItemResult; pred: CropPrediction }>,
  boxes: Map<number, EdgeBox | null>, failed: Map<string, string>, noCropReason: string | null,
  originalPrediction: (s: AnalysisSession, row: number) => CropPrediction,
): CropImage[] {
  return c.t.rows.map((row) => {
    const e = s.entries[row];
    const sp = s.spuriosity.scores[row];
    const act = c.activation.get(row);
    const hit = cropped.get(e.rel);
    const original = originalPrediction(s, row);
    let noBoxReason: string | null = null;
    if (!hit) {
      noBoxReason = noCropReason
        ?? failed.get(e.rel)
        ?? (boxes.get(row) === null ? "the class's core features do not activate on this image" : 'not cropped');
    }
    return {
      image: e.rel,
      split: e.split,
      spuriosity: Number.isFinite(sp) ? round4(sp) : null,
      coreActivation: act !== undefined && Number.isFinite(act) ? round4(act) : null,
      reliable: c.reliable.has(row),
      imageSize: hit?.item.imageSize ?? null,
      box: hit?.item.box ?? null,
      squareClipped: hit?.item.squareClipped ?? false,
      noBoxReason,
      original: { ...original, confidence: round4(original.confidence) },
      cropped: hit ? { ...hit.pred, confidence: round4(hit.pred.confidence) } : null,
      change: hit ? changeOf(original, hit.pred) : null,
      file: hit?.item.file ?? null,
    };
  });
}

/** Counts over rows; accuracies in points (0-100, two decimals) over the cropped rows only. */
export function countCrops(rows: CropImage[]): CropCounts {
  const done = rows.filter((r) => r.cropped);
  const pts = (n: number) => (done.length ? Math.round((n / done.length) * 10000) / 100 : null);
  return {
    images: rows.length,
    cropped: done.length,
    changed: done.filter((r) => r.change !== 'same').length,
    fixed: done.filter((r) => r.change === 'fixed').length,
    broken: done.filter((r) => r.change === 'broken').length,
    reliable: done.filter((r) => r.reliable).length,
    accOriginal: pts(done.filter((r) => r.original.correct).length),
    accCropped: pts(done.filter((r) => r.cropped!.correct).length),
  };
}
