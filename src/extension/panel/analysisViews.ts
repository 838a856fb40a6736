// Maps the analyses' JSON reports (engine units: percentage points 0-100) onto the panel's view shapes
// (protocol units: 0..1). No math beyond the unit change and picking fields: the numbers are the engines'.
import type { CompareReport, CropClass, CropImage, FeatureSensitivity } from '../../engine/api/analyses';
import type { ComparisonView, Corruption, CropRecheck, CropView, SensitivityView } from '../../shared/protocol';
import { fromPoints } from '../../core/vocabulary';

// The one place reports come back from points: fromPoints (core/vocabulary) on every figure; none stays null.
const unit = (points: number | null | undefined): number | null => (points === null || points === undefined || !Number.isFinite(points) ? null : fromPoints(points));

/** The comparison as the Models tab draws it. */
export function comparisonView(r: CompareReport, datasetName: string): ComparisonView {
  const c = r.correlation;
  return {
    dataset: datasetName,
    models: r.models.map((m) => ({
      id: m.id, path: m.path, accuracy: unit(m.valAccuracy), accHigh: unit(m.accHigh), accLow: unit(m.accLow), meanGap: unit(m.meanGap),
      classes: m.classes.length, included: m.included, note: m.note, effectiveRobustness: unit(m.effectiveRobustness),
      sha256: m.sha256, spuriousPairs: m.spuriousPairs, annotations: m.annotations,
    })),
    fit: r.fit ? { beta: r.fit.beta, r2: r.fit.r2, ols: r.fit.ols ? { slope: r.fit.ols.slope, intercept: fromPoints(r.fit.ols.intercept) } : null } : null,
    matrixModels: c?.models ?? [],
    matrix: c?.matrix ?? [],
    shared: c?.shared ?? [],
    meanCorrelation: c?.meanPairwise ?? null,
    variance: r.variance ? { classes: r.variance.classes.length, acrossClasses: r.variance.acrossClasses, acrossModels: r.variance.acrossModels, ratio: r.variance.ratio } : null,
    gapTable: r.gapTable.map((g) => ({ class: g.class, gaps: g.gaps.map(unit) })),
    notes: r.notes,
  };
}

/** One (class, feature) sensitivity as the labeling view's table shows it. */
export function sensitivityView(f: FeatureSensitivity): SensitivityView {
  const drops: Record<Corruption, number> = { gray: NaN, blur: NaN, 'patch-rotate': NaN };
  const probabilityDrops: Record<Corruption, number> = { gray: NaN, blur: NaN, 'patch-rotate': NaN };
  for (const o of f.outcomes) {
    drops[o.corruption] = fromPoints(o.sensitivity);
    probabilityDrops[o.corruption] = fromPoints(o.probabilityDrop);
  }
  const notes: string[] = [];
  if (f.maskSource === 'minus-core') notes.push(`mask minus core feature${f.coreFeatures.length === 1 ? '' : 's'} ${f.coreFeatures.map((c) => `#${c}`).join(', ')}`);
  notes.push(`${Math.round(f.meanMask * 100)}% of each image masked on average`);
  return { class: f.cls, feature: f.feature, images: f.imageCount, clean: fromPoints(f.cleanAccuracy), drops, probabilityDrops, note: notes.join('; ') };
}

/** Why a crop is unreliable or missing, in a sentence. */
export function cropReason(img: CropImage, cls: Pick<CropClass, 'reliableCutoff'>): string {
  if (!img.box) return img.noBoxReason ?? 'no core box for this image';
  const parts: string[] = [];
  if (!img.reliable) {
    parts.push(cls.reliableCutoff === null || img.coreActivation === null
      ? 'outside the class\'s top 20% by core activation'
      : `core activation ${img.coreActivation.toFixed(2)} is below this class's top-20% cutoff ${cls.reliableCutoff.toFixed(2)}`);
  }
  if (img.squareClipped) parts.push('not square: the image is narrower than the square box');
  return parts.join('; ');
}

/** One image's crop, its box as fractions of the original image so the webview can draw it over any resized view. */
export function cropView(img: CropImage, cls: Pick<CropClass, 'reliableCutoff'>): CropView {
  const size = img.imageSize ?? { width: 0, height: 0 };
  const b = img.box && size.width > 0 && size.height > 0 ? img.box : null;
  return {
    id: img.image,
    box: b ? { x: b.x / size.width, y: b.y / size.height, w: b.width / size.width, h: b.height / size.height } : null,
    pixels: b ? [b.x, b.y, b.width, b.height] : null,
    imageSize: size,
    reliable: img.reliable && b !== null,
    reason: cropReason(img, cls),
    original: { predicted: img.original.predicted, correct: img.original.correct },
    cropped: b && img.cropped ? { predicted: img.cropped.predicted, correct: img.cropped.correct } : null,
  };
}

/** A class's re-check for the Core crops tab; `thumb` gives each image's webview URI. */
export function cropRecheckView(cls: CropClass, thumb: (id: string) => string): CropRecheck {
  return {
    class: cls.name,
    gap: unit(cls.gap),
    coreFeatures: cls.coreFeatures,
    items: cls.images.map((img) => ({ ...cropView(img, cls), thumbUri: thumb(img.image), spuriosity: img.spuriosity })),
    counts: {
      images: cls.counts.images, cropped: cls.counts.cropped, changed: cls.counts.changed, fixed: cls.counts.fixed,
      broken: cls.counts.broken, reliable: cls.counts.reliable,
    },
    note: cls.noCropReason,
  };
}
