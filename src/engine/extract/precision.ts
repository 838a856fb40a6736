// --precision: which model runs and under which key its features are cached. float32 runs the adapted model and
// caches under the model's sha256; int8 runs the quantized model (built on first need, see model/quantize) and
// caches under its own key, or falls back to float32 with a one-line notice where the integer kernels are missing.
import type { ImageEntry } from '../dataset/types';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { INT8_MODEL_FILE, int8ModelBytes, int8Target, type Int8BuildDeps, type Int8Target } from '../model/quantize/int8Model';
import { decideInt8, detectCpuInt8Path, fallbackNotice, weightQmaxFor, type Int8Support } from '../model/quantize/int8Support';
import { ortFusesQdq } from './ortQdqCheck';
import type { ModelInfo, ModelPrecision, Preprocess } from '../model/types';

/** Numeric precision of feature extraction. */
export type Precision = 'float32' | 'int8';
/** Valid values of --precision / spuriosityLens.precision. */
export const PRECISIONS: readonly Precision[] = ['float32', 'int8'];

/** This machine's int8 decision: CPU flags plus the ONNX Runtime build check (see int8Support.ts). */
export async function detectInt8(): Promise<Int8Support> {
  const [cpu, ort] = await Promise.all([detectCpuInt8Path(), ortFusesQdq()]);
  return decideInt8(cpu, ort);
}

/** The precision a run uses; `target` is set for int8. */
export interface PrecisionChoice {
  info: ModelPrecision;
  target: Int8Target | null;
}

/**
 * Decides the precision for `requested` and the feature-cache key; the notice says why int8 was not used. Without
 * an injected `detect`, the ONNX Runtime build check is skipped when this cache already holds the int8 model (it was
 * built, hence checked, here before), so a warm int8 run does not start ONNX Runtime at all.
 */
export async function choosePrecision(requested: Precision | undefined, model: Pick<ModelInfo, 'sha256'>, images: readonly ImageEntry[], detect?: () => Promise<Int8Support>, cacheRoot?: string): Promise<PrecisionChoice> {
  if (requested === undefined || requested === 'float32') return { info: { used: 'float32', featureKey: model.sha256, detail: 'float32', notice: null }, target: null };
  if (requested !== 'int8') throw new Error(`precision "${String(requested)}" is not one of ${PRECISIONS.join(', ')}`);
  const fallback = (reason: string): PrecisionChoice => ({ info: { used: 'float32', featureKey: model.sha256, detail: 'float32 (int8 unavailable)', notice: fallbackNotice(reason) }, target: null });
  let support: Int8Support;
  if (detect) {
    support = await detect();
  } else {
    const cpu = await detectCpuInt8Path();
    const cpuOnly = decideInt8(cpu, true);
    if (!cpuOnly.ok || cpu.path === null) return fallback(cpuOnly.ok ? '' : cpuOnly.reason);
    const cached = cacheRoot !== undefined && existsSync(join(cacheRoot, int8Target(model.sha256, images, weightQmaxFor(cpu.path)).featureKey, INT8_MODEL_FILE));
    support = decideInt8(cpu, cached ? true : await ortFusesQdq());
  }
  if (!support.ok) return fallback(support.reason);
  const target = int8Target(model.sha256, images, support.weightQmax);
  return { info: { used: 'int8', featureKey: target.featureKey, detail: `int8 (${support.detail}; calibrated on ${target.sample.length} images)`, notice: null }, target };
}

/** The default build deps: the pipeline's decoder and a raw ONNX Runtime session. */
export function int8BuildDeps(decodeInto: Int8BuildDeps['decodeInto']): Int8BuildDeps {
  return {
    decodeInto,
    openSession: async (bytes, threads) => {
      const { RawSession } = await import('../native/ort');
      const s = await RawSession.create(bytes, { threads, label: 'int8 calibration model' });
      return {
        run: async (inputName, input, dims, outputs) => {
          const out = await s.run({ [inputName]: { data: input, dims } }, outputs);
          return Object.fromEntries(outputs.map((o) => [o, out[o].data as Float32Array]));
        },
        close: () => s.release(),
      };
    },
  };
}

/** The model bytes to run for the choice: the adapted float32 model, or the int8 one (cached beside its features). */
export async function modelBytesFor(choice: PrecisionChoice, o: { adapted: Uint8Array; info: ModelInfo; cacheRoot: string; threads: number; pixelLimit: number; decodeInto(path: string, pre: Preprocess, out: Float32Array, offset: number, opts: { pixelLimit: number }): Promise<void>; signal?: AbortSignal }): Promise<{ bytes: Uint8Array; skipped: number }> {
  if (!choice.target) return { bytes: o.adapted, skipped: 0 };
  const r = await int8ModelBytes({ adapted: o.adapted, info: o.info, target: choice.target, cacheRoot: o.cacheRoot, threads: o.threads, pixelLimit: o.pixelLimit, deps: int8BuildDeps(o.decodeInto), signal: o.signal });
  return { bytes: r.bytes, skipped: r.skipped.length };
}
