// The JSON document `spuriosity extract --json` prints, and its human-readable rendering.
import type { Dataset, ExtractFailure, ExtractSummary } from '../engine/api/extraction';
import { mapClasses } from '../engine/api/analysis';

/**
 * Schema of `spuriosity extract --json` (one document on stdout):
 * {
 *   dataset: { root, layout: 'imagefolder'|'imagefolder-splits'|'manifest', validationSource: string|null,
 *              classes: string[], images: number (discovered), skippedByReason: { [SkipReason]: number } },
 *   model: { path, sha256, name: string|null, dim: number, classes: number, hasSpatialMap: boolean,
 *            precision: 'float32'|'int8' (what ran; int8 asked for may fall back, then cache.warnings says why),
 *            precisionDetail: string, featureKey: string (the cache folder: sha256 for float32, the int8 model's key) },
 *   cache: { dir, hits: number, computed: number, warnings: string[] },
 *   counts: { discovered, withFeatures, failed, skipped },
 *   seconds: number, imagesPerSecond: number (computed images / seconds),
 *   failures: [{ path, rel, reason: 'empty'|'corrupt'|'truncated'|'too-large'|'unsupported'|'unreadable'|'error', message }],
 *   failuresByReason: { [reason]: number },
 *   skipped: [{ path, reason, detail? }],
 *   perClass: [{ class, images (with features), train, val, modelLabel: string|null,
 *                accuracy: number|null (top-1 over the class's images in percentage points 0-100, null when the class maps onto no model label),
 *                valAccuracy: number|null }]
 * }
 */
export interface ExtractReport {
  dataset: { root: string; layout: Dataset['layout']; validationSource: string | null; classes: string[]; images: number; skippedByReason: Record<string, number> };
  model: { path: string; sha256: string; name: string | null; dim: number; classes: number; hasSpatialMap: boolean; precision: 'float32' | 'int8'; precisionDetail: string; featureKey: string };
  cache: { dir: string; hits: number; computed: number; warnings: string[] };
  counts: { discovered: number; withFeatures: number; failed: number; skipped: number };
  seconds: number;
  imagesPerSecond: number;
  failures: ExtractFailure[];
  failuresByReason: Record<string, number>;
  skipped: Dataset['skipped'];
  perClass: ClassReport[];
}

/** Per-class counts and accuracy. */
export interface ClassReport {
  class: string;
  images: number;
  train: number;
  val: number;
  modelLabel: string | null;
  accuracy: number | null;
  valAccuracy: number | null;
}

const countBy = <T>(items: T[], key: (t: T) => string): Record<string, number> => {
  const out: Record<string, number> = {};
  for (const it of items) out[key(it)] = (out[key(it)] ?? 0) + 1;
  return out;
};


/** Builds the report of one extraction. */
export function buildExtractReport(dataset: Dataset, result: ExtractSummary, cacheDir: string): ExtractReport {
  const m = result.model;
  const labelOf = Array.from(mapClasses(dataset.classes, m).toModel);
  const classIndex = new Map(dataset.classes.map((c, i) => [c, i]));
  const stats = dataset.classes.map(() => ({ images: 0, train: 0, val: 0, correct: 0, valImages: 0, valCorrect: 0 }));
  result.entries.forEach((e, i) => {
    const ci = classIndex.get(e.label);
    if (ci === undefined) return;
    const s = stats[ci];
    s.images++;
    if (e.split === 'train') s.train++;
    else s.val++;
    if (labelOf[ci] < 0) return;
    const hit = result.predicted[i] === labelOf[ci] ? 1 : 0;
    s.correct += hit;
    if (e.split === 'val') {
      s.valImages++;
      s.valCorrect += hit;
    }
  });
  return {
    dataset: { root: dataset.root, layout: dataset.layout, validationSource: dataset.validationSource, classes: dataset.classes, images: dataset.images.length, skippedByReason: countBy(dataset.skipped, (s) => s.reason) },
    model: {
      path: m.path, sha256: m.sha256, name: m.card.name ?? null, dim: m.dim, classes: m.classes, hasSpatialMap: m.spatialOutput !== null,
      precision: m.precision?.used ?? 'float32', precisionDetail: m.precision?.detail ?? 'float32', featureKey: m.precision?.featureKey ?? m.sha256,
    },
    cache: { dir: cacheDir, hits: result.cacheHits, computed: result.computed, warnings: result.warnings ?? [] },
    counts: { discovered: dataset.images.length, withFeatures: result.entries.length, failed: result.failures.length, skipped: dataset.skipped.length },
    seconds: result.seconds,
    imagesPerSecond: result.seconds > 0 ? result.computed / result.seconds : 0,
    failures: result.failures,
    failuresByReason: countBy(result.failures, (f) => f.reason),
    skipped: dataset.skipped,
    perClass: dataset.classes.map((c, ci) => {
      const s = stats[ci];
      const mapped = labelOf[ci] >= 0;
      return {
        class: c, images: s.images, train: s.train, val: s.val,
        modelLabel: mapped ? m.labels[labelOf[ci]] : null,
        accuracy: mapped && s.images > 0 ? points(s.correct / s.images) : null,
        valAccuracy: mapped && s.valImages > 0 ? points(s.valCorrect / s.valImages) : null,
      };
    }),
  };
}

const pct = (x: number | null): string => (x === null ? 'n/a' : `${x.toFixed(1)}%`);
/** Percentage points rounded to 0.01, as in every JSON report of the CLI. */
const points = (x: number): number => Math.round(x * 10000) / 100;
const byReason = (r: Record<string, number>): string => Object.entries(r).map(([k, v]) => `${k} ${v}`).join(', ');

/** Human-readable summary lines. */
export function formatExtractReport(r: ExtractReport): string {
  const lines = [
    `Dataset ${r.dataset.root} (${r.dataset.layout}): ${r.dataset.images} images in ${r.dataset.classes.length} classes`,
    `Model ${r.model.name ?? r.model.path}: ${r.model.dim} features, ${r.model.classes} classes, ${r.model.precisionDetail}`,
    `Features for ${r.counts.withFeatures} images: ${r.cache.hits} from cache, ${r.cache.computed} computed in ${r.seconds.toFixed(1)} s` +
      (r.cache.computed > 0 ? ` (${r.imagesPerSecond.toFixed(1)} images/s)` : ''),
    `Cache: ${r.cache.dir}`,
  ];
  if (r.failures.length > 0) {
    lines.push(`${r.failures.length} images could not be used (${byReason(r.failuresByReason)}):`);
    for (const f of r.failures.slice(0, 20)) lines.push(`  ${f.reason}: ${f.message}`);
    if (r.failures.length > 20) lines.push(`  ... and ${r.failures.length - 20} more (see --json)`);
  }
  if (r.counts.skipped > 0) lines.push(`Skipped ${r.counts.skipped} files: ${byReason(r.dataset.skippedByReason)}`);
  for (const w of r.cache.warnings) lines.push(`Warning: ${w}`);
  for (const c of r.perClass) {
    lines.push(`  ${c.class}: ${c.images} images (${c.train} train, ${c.val} val)` + (c.modelLabel === null ? ', no matching model label' : `, accuracy ${pct(c.accuracy)}, val ${pct(c.valAccuracy)}`));
  }
  return lines.join('\n');
}
