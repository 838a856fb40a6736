// The int8 model of a float32 classifier for one dataset: calibrated on the dataset's own seeded sample, quantized by
// graph rewrite, cached beside its features as `<cacheRoot>/<int8 key>/model-int8.onnx`. The key covers everything
// that changes what the quantized model computes: the model's sha256, the calibration sample (paths, sizes, mtimes,
// seed), the weight width chosen for this CPU and QUANTIZER_VERSION; int8 features are cached under the same key,
// apart from the float32 ones under the model's sha256.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import type { ImageEntry } from '../../dataset/types';
import { writeAtomic } from '../../fs/writeAtomic';
import type { ModelInfo, Preprocess } from '../types';
import { calibrationDigest, calibrationSample, CALIBRATION_SEED, RangeCollector, type CalibrationMethod } from './calibrate';
import { calibrationModel, planQdq, QUANTIZER_VERSION, rewriteQdq, type PlanOptions } from './qdqGraph';

/** Quantizer choices other than the product's defaults (min / max ranges, every backbone layer int8); for measuring. */
export interface QuantizerVariant extends PlanOptions {
  calibration?: CalibrationMethod;
}

/** File name of the quantized model inside its feature-cache folder. */
export const INT8_MODEL_FILE = 'model-int8.onnx';
/** Images per calibration batch: every planned activation comes back (about 60 MB per ResNet-50 image). */
const CALIBRATION_BATCH = 2;

/** Where int8 features and the int8 model of (model, dataset) live, and what keys them. */
export interface Int8Target {
  featureKey: string;
  sample: ImageEntry[];
  weightQmax: number;
}

/** Picks the calibration sample and derives the cache key; cheap (hashes image paths, reads no image). */
export function int8Target(modelSha256: string, images: readonly ImageEntry[], weightQmax: number): Int8Target {
  const sample = calibrationSample(images);
  if (sample.length === 0) throw new Error('--precision int8 needs at least one image to calibrate on; the dataset has none');
  const featureKey = createHash('sha256')
    .update(`spuriosity-lens int8 v${QUANTIZER_VERSION}\nmodel ${modelSha256.toLowerCase()}\nweights qmax ${weightQmax}\ncalibration ${calibrationDigest(sample, CALIBRATION_SEED)}\n`)
    .digest('hex');
  return { featureKey, sample, weightQmax };
}

/** What building the int8 model needs from the engine: a decoder and a float32 session over arbitrary outputs. */
export interface Int8BuildDeps {
  decodeInto(path: string, pre: Preprocess, out: Float32Array, offset: number, opts: { pixelLimit: number }): Promise<void>;
  /** Runs `bytes` on a batch and returns the named float32 outputs; `close` frees the session. */
  openSession(bytes: Uint8Array, threads: number): Promise<{ run(inputName: string, input: Float32Array, dims: number[], outputs: string[]): Promise<Record<string, Float32Array>>; close(): Promise<void> }>;
}

/** The quantized model's bytes: from the cache when built before, else calibrated, rewritten and cached. */
export async function int8ModelBytes(o: {
  adapted: Uint8Array; info: ModelInfo; target: Int8Target; cacheRoot: string; threads: number; pixelLimit: number; deps: Int8BuildDeps;
  signal?: AbortSignal;
  /** Not the defaults: only benchmarks pass one (the cache key does not cover it, so they use their own cache). */
  variant?: QuantizerVariant;
}): Promise<{ bytes: Uint8Array; built: boolean; calibrated: number; skipped: string[] }> {
  const file = join(o.cacheRoot, o.target.featureKey, INT8_MODEL_FILE);
  const cached = await readFile(file).catch(() => null);
  if (cached) return { bytes: new Uint8Array(cached), built: false, calibrated: 0, skipped: [] };
  const model = onnx.ModelProto.decode(o.adapted);
  const plan = planQdq(model, o.variant);
  const pre = o.info.card.preprocess;
  const per = 3 * pre.crop * pre.crop;
  const session = await o.deps.openSession(calibrationModel(model, plan), o.threads);
  const ranges = new RangeCollector(o.variant?.calibration);
  const skipped: string[] = [];
  let calibrated = 0;
  try {
    const buf = new Float32Array(CALIBRATION_BATCH * per);
    for (let i = 0; i < o.target.sample.length; i += CALIBRATION_BATCH) {
      if (o.signal?.aborted) throw Object.assign(new Error('int8 calibration cancelled'), { name: 'AbortError' });
      let n = 0;
      for (const e of o.target.sample.slice(i, i + CALIBRATION_BATCH)) {
        // An image that does not decode is left out of calibration; extraction reports it as it reports any other.
        try {
          await o.deps.decodeInto(e.path, pre, buf, n * per, { pixelLimit: o.pixelLimit });
          n++;
        } catch {
          skipped.push(e.rel);
        }
      }
      if (n === 0) continue;
      const out = await session.run(o.info.inputName, buf.subarray(0, n * per), [n, 3, pre.crop, pre.crop], plan.activations);
      for (const t of plan.activations) ranges.add(t, out[t]);
      calibrated += n;
    }
  } finally {
    await session.close();
  }
  if (calibrated === 0) throw new Error(`--precision int8: none of the ${o.target.sample.length} calibration images decoded (${skipped.slice(0, 3).join(', ')}…)`);
  const bytes = rewriteQdq(model, plan, ranges.result(), { weightQmax: o.target.weightQmax });
  await writeAtomic(file, bytes);
  return { bytes, built: true, calibrated, skipped };
}
