// Feature sensitivity, the parent's half: choose each pair's top-activating images and mask recipe from the
// session, hand decoding and inference to a runner (in-process or a child), then predict with the session's
// head (the model's own or a fitted one) and turn the predictions into a report.
import { classImages } from '../../../core/classIndex';
import { DEFAULT_BLUR_SIGMA_FRACTION, DEFAULT_PATCH_FRACTION } from '../../../core/corruptions';
import { DEFAULT_SENSITIVITY_IMAGES, scoreRows, sensitivityImageCount, sensitivityOutcome, topActivating, accuracyFor } from '../../../core/sensitivity';
import type { LinearHead, Matrix } from '../../../core/types';
import { coreFeaturesOf } from '../classFeatures';
import type { AnalysisView } from '../queries/sessionView';
import type { SensitivityItem, SensitivityJobRequest, SensitivityJobResult } from '../../sensitivity/job';
import type { ExtractProgress } from '../../extract/types';
import type { Runner } from '../../runner/runner';
import { CORRUPTIONS, type FeatureSensitivity, type SensitivityReport, type SensitivitySplit } from '../../sensitivity/types';

/** A (class, feature) pair to measure; cls is the head-space class id. */
export interface SensitivityPair {
  cls: number;
  feature: number;
}

/** Runs the decode + inference job somewhere: in this process (CLI, tests) or in a child (the extension). */
export type SensitivityRunner = Runner<SensitivityJobRequest, SensitivityJobResult, ExtractProgress>;

/** Knobs of a sensitivity run; defaults: 65 images from the train split, blur sigma 1/32 and patches 1/8 of the input side. */
export interface SensitivityOptions extends Pick<SensitivityJobRequest, 'blurSigmaFraction' | 'patchFraction' | 'threads' | 'batchSize' | 'pixelLimit'> {
  images?: number;
  topPercent?: number | null;
  split?: SensitivitySplit;
  /** Seed of the patch rotations (default: the session's seed). */
  seed?: number;
  signal?: AbortSignal;
  /** Progress in inferences (clean + corrupted images), as the job counts them. */
  onProgress?(p: ExtractProgress): void;
}

// The report is in points (core works in fractions); NaN (no images) stays NaN in memory and is null in JSON.
const pts = (x: number): number => Math.round(x * 10000) / 100;

/**
 * What sensitivity reads of a session: an in-memory one's feature matrix, or an out-of-core one's class columns (its
 * activation of a class's feature in each of the class's images, read on demand).
 */
export type SensitivitySession = AnalysisView & { readonly head: LinearHead } & (
  | { readonly features: Matrix }
  | { ensureColumns(cls: number, features: number[]): Promise<void>; activation(row: number, feature: number): number });

/** The pool's n images where the feature fires most (topActivating's order: ties by position in the pool). */
async function topRows(s: SensitivitySession, cls: number, pool: Int32Array, feature: number, n: number): Promise<number[]> {
  if ('features' in s) return topActivating(s.features, pool, feature, n);
  await s.ensureColumns(cls, [feature]);
  const data = Float32Array.from(pool, (r) => s.activation(r, feature));
  return topActivating({ rows: pool.length, cols: 1, data }, Int32Array.from(pool.keys()), 0, n).map((p) => pool[p]);
}

/** The class's images in the chosen split(s), from the session's class index, in ascending row order (topActivating breaks ties by position). */
function candidates(s: AnalysisView, cls: number, split: SensitivitySplit): Int32Array {
  if (split !== 'all') return classImages(s.index, cls, split);
  return Int32Array.from([...s.index.train[cls], ...s.index.val[cls]]).sort();
}

/** Measures every pair: accuracy on its top-activating images, clean and with each corruption of its masked region. */
export async function measureSensitivity(s: SensitivitySession, pairs: SensitivityPair[], runner: SensitivityRunner, o: SensitivityOptions = {}): Promise<SensitivityReport> {
  const t0 = performance.now();
  const split = o.split ?? 'train';
  const skipped: SensitivityReport['skipped'] = [];
  const rowOfJob = new Map<number, number>(); // session row -> job entry index
  const jobRows: number[] = [];
  const planned: Array<{ pair: SensitivityPair; item: SensitivityItem; rows: number[]; label: FeatureSensitivity['label']; core: number[] }> = [];
  for (const pair of pairs) {
    const name = s.classNames[pair.cls] ?? String(pair.cls);
    if (!(Number.isInteger(pair.feature) && pair.feature >= 0 && pair.feature < s.model.dim)) {
      skipped.push({ cls: name, feature: pair.feature, reason: `feature out of range 0..${s.model.dim - 1}` });
      continue;
    }
    const pool = candidates(s, pair.cls, split);
    const n = sensitivityImageCount(pool.length, { images: o.images ?? DEFAULT_SENSITIVITY_IMAGES, topPercent: o.topPercent ?? null });
    if (n === 0) {
      skipped.push({ cls: name, feature: pair.feature, reason: `the class has no ${split === 'all' ? '' : `${split} `}images` });
      continue;
    }
    const rows = await topRows(s, pair.cls, pool, pair.feature, n);
    const label = s.verdicts(pair.cls).get(pair.feature)?.label ?? null;
    // Only a spurious feature loses the object's region; a core or unlabelled feature is corrupted where it fires.
    const core = label === 'spurious' ? coreFeaturesOf(s, pair.cls).filter((f) => f !== pair.feature) : [];
    const images = rows.map((r) => {
      let j = rowOfJob.get(r);
      if (j === undefined) {
        j = jobRows.length;
        rowOfJob.set(r, j);
        jobRows.push(r);
      }
      return j;
    });
    planned.push({ pair, item: { feature: pair.feature, subtractFeatures: core, images }, rows, label, core });
  }

  const request: SensitivityJobRequest = {
    modelPath: s.model.path,
    entries: jobRows.map((r) => s.entries[r]),
    items: planned.map((p) => p.item),
    blurSigmaFraction: o.blurSigmaFraction ?? DEFAULT_BLUR_SIGMA_FRACTION,
    patchFraction: o.patchFraction ?? DEFAULT_PATCH_FRACTION,
    seed: o.seed ?? s.options.seed,
    threads: o.threads,
    batchSize: o.batchSize,
    pixelLimit: o.pixelLimit,
  };
  const job = await runner(request, { signal: o.signal, onProgress: o.onProgress });
  const D = job.dim;
  if (D !== s.model.dim) throw new Error(`the sensitivity job returned ${D}-dimensional features but the session has ${s.model.dim}: was the model file replaced?`);

  const features: FeatureSensitivity[] = [];
  planned.forEach((p, k) => {
    const name = s.classNames[p.pair.cls];
    const ok = p.item.images.map((j, pos) => ({ j, pos })).filter(({ j }) => job.failed[j] === 0);
    if (ok.length === 0) {
      skipped.push({ cls: name, feature: p.pair.feature, reason: 'none of its images could be decoded' });
      return;
    }
    const pick = (src: Float32Array, index: (x: { j: number; pos: number }) => number): Matrix => {
      const data = new Float32Array(ok.length * D);
      ok.forEach((x, r) => data.set(src.subarray(index(x) * D, (index(x) + 1) * D), r * D));
      return { rows: ok.length, cols: D, data };
    };
    const clean = scoreRows(pick(job.clean, (x) => x.j), s.head, p.pair.cls);
    const res = job.items[k];
    let maskSum = 0;
    for (const x of ok) maskSum += res.maskMeans[x.pos];
    features.push({
      cls: name,
      feature: p.pair.feature,
      label: p.label,
      maskSource: p.core.length ? 'minus-core' : 'own',
      coreFeatures: p.core,
      imageCount: ok.length,
      images: ok.map((x) => s.entries[p.rows[x.pos]].rel),
      meanMask: Math.round((maskSum / ok.length) * 1e4) / 1e4,
      cleanAccuracy: pts(accuracyFor(clean.predictions, p.pair.cls)),
      outcomes: CORRUPTIONS.map((corruption, c) => {
        const r = sensitivityOutcome(clean, scoreRows(pick(res.corrupted[c], (x) => x.pos), s.head, p.pair.cls), p.pair.cls);
        return { corruption, accuracy: pts(r.accuracy), sensitivity: pts(r.sensitivity), probabilityDrop: pts(r.probabilityDrop), flipped: r.flipped };
      }),
    });
  });

  return {
    schema: 'spuriosity-lens/sensitivity@1',
    params: {
      images: o.topPercent != null ? null : o.images ?? DEFAULT_SENSITIVITY_IMAGES,
      topPercent: o.topPercent ?? null,
      split,
      blurSigmaFraction: request.blurSigmaFraction!,
      patchFraction: request.patchFraction!,
      inputSize: job.inputSize,
      blurSigmaPx: Math.round(job.blurSigmaPx * 1000) / 1000,
      patchPx: job.patchPx,
      seed: request.seed!,
    },
    features,
    skipped,
    failures: job.failures.map((f) => ({ path: f.path, rel: f.rel, reason: f.reason, message: f.message })),
    seconds: Math.round((performance.now() - t0) / 10) / 100,
  };
}
