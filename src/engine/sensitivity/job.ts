// The child-process half of feature sensitivity: decode each image as the model sees it, run it once clean
// (with the spatial map, for the masks), build every requested feature's soft mask, corrupt the masked
// region three ways and run those too. It returns pooled features only; the parent predicts with its head
// (which may be a fitted one the child does not have).
import type { ImageEntry } from '../dataset/types';
import type { ModelInfo, Preprocess } from '../model/types';
import type { ExtractDeps, ExtractFailure, ExtractProgress } from '../extract/types';
import { describeFailure, withModel } from '../extract/batchJob';
import { rgbToInput } from '../image/normalise';
import { blendMasked, blurRgb, DEFAULT_BLUR_SIGMA_FRACTION, DEFAULT_PATCH_FRACTION, gaussianKernel, grayRgb, patchRotateRgb } from '../../core/corruptions';
import { maskMean, maxMask, removeCoreOverlap, softMask } from '../../core/sensitivityMask';
import { mulberry32 } from '../../core/random';
import { CORRUPTIONS } from './types';

/** One (class, feature) pair to measure: its images (indices into the request's entries) and how to build its mask. */
export interface SensitivityItem {
  feature: number;
  /** Core features whose max mask is removed from this feature's mask (m * (1 - maxCore)); empty: its own mask as is. */
  subtractFeatures: number[];
  images: number[];
}

/** Serializable request of a sensitivity job (what crosses the IPC boundary). */
export interface SensitivityJobRequest {
  modelPath: string;
  /** Every image any item uses, each once. */
  entries: ImageEntry[];
  items: SensitivityItem[];
  blurSigmaFraction?: number;
  patchFraction?: number;
  seed?: number;
  threads?: number;
  /** Images per inference batch (default 16). */
  batchSize?: number;
  pixelLimit?: number;
}

/** Pooled features of clean and corrupted images; rows of failed images are zeros and flagged. */
export interface SensitivityJobResult {
  dim: number;
  inputSize: number;
  blurSigmaPx: number;
  patchPx: number;
  /** entries.length x dim: each image uncorrupted. */
  clean: Float32Array;
  /** 1 where the image could not be decoded. */
  failed: Uint8Array;
  failures: ExtractFailure[];
  /** Per item, aligned with item.images: mean mask value, and one images x dim matrix per corruption (CORRUPTIONS order). */
  items: Array<{ maskMeans: Float32Array; corrupted: Float32Array[] }>;
}

/** The 8-bit model-input view of an image and its normalisation: sharp's by default, injectable for tests. */
export interface RgbDeps {
  decodeCropRgb(path: string, pre: Preprocess, opts: { pixelLimit: number }): Promise<{ data: Uint8Array; width: number; height: number }>;
  rgbToInput(rgb: Uint8Array, pre: Preprocess, out: Float32Array, offset: number): void;
}

/** Deps of the job: the extraction's model adapters, plus the RGB decoder (taken from sharp when absent). */
export type SensitivityDeps = ExtractDeps & Partial<RgbDeps>;

/** Options of runSensitivityJob. */
export interface SensitivityJobOptions extends SensitivityJobRequest {
  deps?: SensitivityDeps;
  signal?: AbortSignal;
  /** Counts inferences (each image clean, then 3 per use), not images; `failed` counts those an undecodable image skipped. */
  onProgress?(p: ExtractProgress): void;
}

/** A 32-bit FNV-1a hash of an image id mixed with the seed: each image's patch-rotate draws depend on nothing else. */
function imageSeed(seed: number, rel: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < rel.length; i++) h = Math.imul(h ^ rel.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

async function rgbDeps(deps: SensitivityDeps): Promise<RgbDeps> {
  if (deps.decodeCropRgb && deps.rgbToInput) return { decodeCropRgb: deps.decodeCropRgb, rgbToInput: deps.rgbToInput };
  // Loaded only here: tests with injected decoders never load sharp.
  const sharp = await import('../native/sharp');
  return { decodeCropRgb: sharp.decodeCropRgb, rgbToInput };
}

/** Every feature index of the request exists in the model. */
function checkFeatures(req: SensitivityJobRequest, info: ModelInfo): void {
  for (const it of req.items) {
    for (const f of [it.feature, ...it.subtractFeatures]) {
      if (!Number.isInteger(f) || f < 0 || f >= info.dim) throw new RangeError(`feature ${f} is out of range: the model has features 0..${info.dim - 1}`);
    }
  }
}

/** Runs the job (in whichever process calls it): clean + corrupted pooled features for every item. */
export async function runSensitivityJob(opts: SensitivityJobOptions): Promise<SensitivityJobResult> {
  const n = opts.entries.length;
  // Which (item, position) pairs use each image, so each image is decoded and run clean once.
  const uses: Array<Array<[number, number]>> = Array.from({ length: n }, () => []);
  opts.items.forEach((it, k) => it.images.forEach((img, pos) => {
    if (!Number.isInteger(img) || img < 0 || img >= n) throw new RangeError(`image index ${img} is out of range 0..${n - 1}`);
    uses[img].push([k, pos]);
  }));
  const total = n + opts.items.reduce((sum, it) => sum + it.images.length * CORRUPTIONS.length, 0);
  const accept = (info: ModelInfo): void => {
    if (!info.spatialOutput) throw new Error(`${opts.modelPath}: the model exposes no spatial feature map before its pooling, so there are no masks to corrupt`);
    checkFeatures(opts, info);
  };
  return withModel({ ...opts, total, accept, cancelMessage: 'sensitivity cancelled' }, async (job) => {
    const { info } = job;
    const rgb = await rgbDeps(job.deps);
    const pre = info.card.preprocess;
    const side = pre.crop;
    const plane = side * side;
    const D = info.dim;
    const sigmaPx = side * (opts.blurSigmaFraction ?? DEFAULT_BLUR_SIGMA_FRACTION);
    const patchPx = Math.max(1, Math.round(side * (opts.patchFraction ?? DEFAULT_PATCH_FRACTION)));
    const kernel = gaussianKernel(sigmaPx);
    const seed = opts.seed ?? 0;
    const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 16));
    const pixelLimit = opts.pixelLimit ?? job.deps.defaultPixelLimit;
    const clean = new Float32Array(n * D);
    const failed = new Uint8Array(n);
    const failures: ExtractFailure[] = [];
    const items = opts.items.map((it) => ({ maskMeans: new Float32Array(it.images.length), corrupted: CORRUPTIONS.map(() => new Float32Array(it.images.length * D)) }));
    const cleanBuf = new Float32Array(batchSize * 3 * plane);
    const corruptBuf = new Float32Array(batchSize * 3 * plane);
    // Where each queued corrupted image's pooled row goes.
    let queue: Array<{ item: number; corruption: number; pos: number }> = [];
    const flush = async (): Promise<void> => {
      if (queue.length === 0) return;
      const out = await job.run(corruptBuf, queue.length, false);
      queue.forEach((q, j) => items[q.item].corrupted[q.corruption].set(out.pooled.subarray(j * D, (j + 1) * D), q.pos * D));
      queue = [];
    };
    for (let start = 0; start < n; start += batchSize) {
      job.checkCancelled();
      const indices = Array.from({ length: Math.min(n, start + batchSize) - start }, (_, j) => start + j);
      // Decoded concurrently, as extraction decodes a batch; failures are kept per image, never thrown.
      const decoded = await Promise.all(indices.map((i) => rgb.decodeCropRgb(opts.entries[i].path, pre, { pixelLimit }).then(
        (img) => ({ index: i, rgb: img.data, error: null as unknown }),
        (error: unknown) => ({ index: i, rgb: null, error: error ?? new Error('unknown decode error') }),
      )));
      const batch: Array<{ index: number; rgb: Uint8Array }> = [];
      for (const d of decoded) {
        if (d.rgb) {
          rgb.rgbToInput(d.rgb, pre, cleanBuf, batch.length * 3 * plane);
          batch.push({ index: d.index, rgb: d.rgb });
          continue;
        }
        const e = opts.entries[d.index];
        failed[d.index] = 1;
        failures.push({ path: e.path, rel: e.rel, ...describeFailure(d.error, e.path) });
        job.skip(1 + uses[d.index].length * CORRUPTIONS.length);
      }
      if (batch.length === 0) continue;
      const out = await job.run(cleanBuf, batch.length, true);
      if (!out.spatial) throw new Error(`${opts.modelPath}: the model returned no spatial map`);
      const hw = out.spatial.length / (batch.length * D);
      const [h, w] = info.spatialShape ? [info.spatialShape[1], info.spatialShape[2]] : [Math.round(Math.sqrt(hw)), Math.round(Math.sqrt(hw))];
      if (h * w !== hw) throw new Error(`${opts.modelPath}: spatial map of ${hw} values per feature is not ${h}x${w}`);
      for (let j = 0; j < batch.length; j++) {
        const { index, rgb: original } = batch[j];
        clean.set(out.pooled.subarray(j * D, (j + 1) * D), index * D);
        if (uses[index].length === 0) continue;
        const masks = new Map<number, Float32Array>();
        const maskOf = (f: number): Float32Array => {
          let m = masks.get(f);
          if (!m) masks.set(f, (m = softMask(out.spatial!.subarray((j * D + f) * hw, (j * D + f + 1) * hw), h, w, side, side)));
          return m;
        };
        // The full-image corruptions do not depend on the feature: compute them once per image.
        const corrupted = [
          grayRgb(original, side, side),
          blurRgb(original, side, side, kernel),
          patchRotateRgb(original, side, side, patchPx, mulberry32(imageSeed(seed, opts.entries[index].rel))),
        ];
        for (const [k, pos] of uses[index]) {
          const it = opts.items[k];
          const own = maskOf(it.feature);
          const mask = it.subtractFeatures.length ? removeCoreOverlap(own, maxMask(it.subtractFeatures.map(maskOf))) : own;
          items[k].maskMeans[pos] = maskMean(mask);
          for (let c = 0; c < corrupted.length; c++) {
            rgb.rgbToInput(blendMasked(original, corrupted[c], mask), pre, corruptBuf, queue.length * 3 * plane);
            queue.push({ item: k, corruption: c, pos });
            if (queue.length === batchSize) await flush();
          }
        }
      }
    }
    await flush();
    return { dim: D, inputSize: side, blurSigmaPx: sigmaPx, patchPx, clean, failed, failures, items };
  });
}
