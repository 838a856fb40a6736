// Core cropping over an analysis session (paper section 5): boxes from the class's core heatmaps, crops of the
// original images re-classified with the session's head (which may be a fitted one), original vs cropped
// predictions, reliability, and an optional export. The model work (maps, boxes, crop features) is one job of an
// injected CropRunner.
import { relative, sep } from 'node:path';
import { CROP_DEFAULTS, coreActivation, topFractionMask, type EdgeBox } from '../../core/cropBox';
import { headLogits, softmaxRows } from '../../core/linalg';
import type { AnalysisSession } from '../analysis/session';
import { ExtractCancelledError } from '../extract/types';
import { abandonExport, beginExport, planExport, writeManifest, type ExportPlan } from './exportPlan';
import { cropJobUnits, type CropJobItem, type CropJobResult } from './cropJob';
import type { CropRunner } from './runner';
import { classIdsOf, coreFeaturesOf } from '../analysis/classFeatures';
import { classTargets, imageTargets, recheckTargets, type CropTarget } from './select';
import type { CropClass, CropFailure, CropImage, CropParams, CropPrediction, CropProgress, CropReport, CropScope } from './types';
import { countCrops, reportRows } from './reportRows';

/** Options of a crop run. */
export interface CropOptions {
  scope: CropScope;
  /** recheck: only these negative-gap classes (default all); class: these classes (default every class). */
  classes?: string[];
  /** images scope: the image ids. */
  images?: string[];
  /** recheck: highest-spuriosity validation images per class (default: the k each class's gap used; capped as the gap caps it). */
  k?: number;
  /** Spatial-map cache root (as for heatmaps). */
  cacheDir: string;
  /** Export folder (crops + crop-manifest.json), or null for the report only. */
  exportDir?: string | null;
  /** Write only the manifest of boxes, no crop files. */
  manifestOnly?: boolean;
  params?: Partial<CropParams>;
  threads?: number;
  batchSize?: number;
  pixelLimit?: number;
  signal?: AbortSignal;
  onProgress?(p: CropProgress): void;
}

function targetsFor(s: AnalysisSession, o: CropOptions): CropTarget[] {
  if (o.scope === 'recheck') return recheckTargets(s, o.k, o.classes && classIdsOf(s, o.classes));
  if (o.scope === 'class') return classTargets(s, o.classes ? classIdsOf(s, o.classes) : s.datasetClassIds);
  if (!o.images?.length) throw new Error('the images scope needs at least one image id');
  return imageTargets(s, o.images);
}

function checkParams(p: CropParams): void {
  if (!(p.threshold > 0 && p.threshold <= 1)) throw new RangeError(`threshold must be in (0, 1], got ${p.threshold}`);
  if (!(p.growth >= 0 && Number.isFinite(p.growth))) throw new RangeError(`growth must be a finite number >= 0, got ${p.growth}`);
  if (!(p.reliableFraction >= 0 && p.reliableFraction <= 1)) throw new RangeError(`reliable fraction must be in [0, 1], got ${p.reliableFraction}`);
}

/** Predicted class, correctness and softmax confidence of feature rows under the session's head. */
function predictions(s: AnalysisSession, features: Float32Array, rows: number, labels: number[]): CropPrediction[] {
  if (rows === 0) return [];
  const probs = softmaxRows(headLogits({ rows, cols: s.head.dim, data: features }, s.head));
  return labels.map((label, i) => {
    let best = 0;
    for (let c = 1; c < probs.cols; c++) if (probs.data[i * probs.cols + c] > probs.data[i * probs.cols + best]) best = c;
    return { predicted: s.classNames[best], correct: best === label, confidence: probs.data[i * probs.cols + best] };
  });
}

/** The original image's prediction as the session has it, with its confidence. */
function originalPrediction(s: AnalysisSession, row: number): CropPrediction {
  const probs = softmaxRows(headLogits(s.features, s.head, [row]));
  const p = s.predictions[row];
  return { predicted: s.classNames[p], correct: p === s.labels[row], confidence: probs.data[p] };
}

/** Runs core cropping for the chosen scope and returns the report; with exportDir, also writes crops and a manifest. */
export async function analyzeCrops(s: AnalysisSession, o: CropOptions, runner: CropRunner): Promise<CropReport> {
  const params: CropParams = { ...CROP_DEFAULTS, ...o.params };
  checkParams(params);
  const k = o.k ?? s.options.gapK;
  if (!(Number.isInteger(k) && k >= 1)) throw new RangeError(`k must be a positive integer, got ${k}`);
  if (o.k !== undefined && o.scope !== 'recheck') throw new RangeError(`k (images per class) applies to the re-check only, not to the ${o.scope} scope`);
  const progress = (p: CropProgress) => o.onProgress?.(p);
  const cancelled = () => { if (o.signal?.aborted) throw new ExtractCancelledError('core cropping cancelled'); };
  const targets = targetsFor(s, o);
  const plan: ExportPlan | null = o.exportDir
    ? await planExport(o.exportDir, s.dataset.root, targets.flatMap((t) => t.rows.map((r) => s.entries[r].rel)), !!o.manifestOnly)
    : null;

  // Per class: core features, core activation over all its images, the reliable cut.
  const perClass = targets.map((t) => {
    const core = coreFeaturesOf(s, t.cls);
    if (!core.length) return { t, core, activation: new Map<number, number>(), reliable: new Set<number>(), cutoff: null };
    const all = [...s.index.train[t.cls], ...s.index.val[t.cls]];
    const act = coreActivation(s.features, all, core);
    const mask = topFractionMask(act, params.reliableFraction);
    return {
      t, core, cutoff: mask.cutoff,
      activation: new Map(all.map((row, j) => [row, act[j]] as const)),
      reliable: new Set(all.filter((_, j) => mask.reliable[j] === 1)),
    };
  });

  // One job for every image of a class with core features: maps, boxes and crop features with one model load.
  const mapRows = perClass.flatMap((c) => (c.core.length ? c.t.rows : []));
  const items: CropJobItem[] = perClass.flatMap((c) => (c.core.length ? c.t.rows.map((r) => ({
    entry: s.entries[r], core: c.core, exportTo: plan?.dest.get(s.entries[r].rel) ?? null,
  })) : []));
  const n = items.length;
  const total = cropJobUnits(n);
  progress({ phase: 'maps', done: 0, total });
  cancelled();
  const header = { dataset: s.dataset.root, model: s.model.path, params };
  let job: CropJobResult = { inputBoxes: [], mapFailures: [], crops: { dim: s.features.cols, features: new Float32Array(0), items: [] } };
  if (n) {
    if (plan) await beginExport(plan, header);
    try {
      // the job counts each image's map before any crop, so the first n units are the maps
      job = await runner({
        modelPath: s.model.path, cacheDir: o.cacheDir, items, threshold: params.threshold, growth: params.growth,
        threads: o.threads, batchSize: o.batchSize, pixelLimit: o.pixelLimit,
      }, { signal: o.signal, onProgress: (p) => progress({ phase: p.done < n ? 'maps' : 'crops', done: Math.min(p.done, total), total }) });
      cancelled();
    } catch (e) {
      // the crops written so far stay listed as ours, so exporting to this folder again replaces them
      if (plan) await abandonExport(plan, header).catch(() => undefined);
      throw e;
    }
  }
  const failures: CropFailure[] = job.mapFailures.map((f) => ({ image: f.rel, path: f.path, reason: f.reason, message: f.message }));
  const failedRel = new Map(failures.map((f) => [f.image, f.message] as const));
  const boxes = new Map<number, EdgeBox | null>();
  mapRows.forEach((row, i) => { if (!failedRel.has(s.entries[row].rel)) boxes.set(row, job.inputBoxes[i]); });
  const cropped = job.crops;
  for (const it of cropped.items) {
    if (!it.failure) continue;
    const row = s.indexOf(it.rel)!;
    failures.push({ image: it.rel, path: s.entries[row].path, reason: it.failure.reason, message: it.failure.message });
    failedRel.set(it.rel, it.failure.message);
  }
  // Feature rows follow request order, so okItems[j].row === j.
  const okItems = cropped.items.filter((it) => it.row >= 0).sort((a, b) => a.row - b.row);
  const cropPreds = predictions(s, cropped.features, okItems.length, okItems.map((it) => s.labels[s.indexOf(it.rel)!]));
  const byRel = new Map(okItems.map((it) => [it.rel, { item: it, pred: cropPreds[it.row] }] as const));

  const gapOf = new Map(s.gaps.classes.map((g) => [g.cls, g] as const));
  const classes: CropClass[] = perClass.map((c) => {
    const g = gapOf.get(c.t.cls);
    const noCropReason = c.core.length ? null
      : `no top feature of "${s.classNames[c.t.cls]}" is labelled core: label at least one core (Labeling view, or spuriosity annotations …) to crop its images`;
    const images: CropImage[] = reportRows(s, c, byRel, boxes, failedRel, noCropReason, originalPrediction);
    return {
      name: s.classNames[c.t.cls], gap: g ? Math.round(g.gap * 10000) / 100 : null, negativeGap: g?.negative ?? false,
      coreFeatures: c.core, noCropReason, reliableCutoff: c.cutoff, counts: countCrops(images), images,
    };
  });
  let exported: CropReport['export'] = null;
  if (plan) {
    const rows = classes.flatMap((c) => c.images.flatMap((im) => (im.box && im.imageSize && im.cropped ? [{
      image: im.image, file: im.file ? relative(plan.dir, im.file).split(sep).join('/') : null, class: c.name, box: im.box,
      imageSize: im.imageSize, reliable: im.reliable, original: im.original.predicted, cropped: im.cropped.predicted,
    }] : [])));
    await writeManifest(plan, header, rows);
    exported = { dir: plan.dir, manifest: plan.manifestPath, files: rows.filter((r) => r.file).length };
  }
  progress({ phase: 'done', done: total, total });
  return {
    schema: 'spuriosity-lens/crop@1', dataset: s.dataset.root, model: { path: s.model.path, sha256: s.model.sha256 }, head: s.headSource,
    scope: o.scope, k: o.scope === 'recheck' ? k : null, params, classes, totals: countCrops(classes.flatMap((c) => c.images)), failures, export: exported,
  };
}
