// Spatial feature maps on demand, for heatmaps and core crops: runs the model with its spatial output on just
// the requested images and keeps the requested channels in a small on-disk store.
import type { ImageEntry } from '../dataset/types';
import type { ModelInfo } from '../model/types';
import { SpatialStore } from '../cache/spatialStore';
import { TOKEN_MAP_OUTPUT } from '../model/tokenMap';
import type { BatchJob } from './batchJob';
import { decodeBatch } from './decodeBatch';
import { loadDefaultDeps } from './pipeline';
import { ExtractCancelledError, type ExtractDeps, type ExtractFailure, type InferenceModel } from './types';

/** Serializable request for spatial maps (what crosses the IPC boundary). */
export interface SpatialRequest {
  modelPath: string;
  entries: ImageEntry[];
  /** Feature (channel) indices wanted, each in [0, dim). */
  featureIndices: number[];
  /** Cache root; maps live under `<cacheDir>/<modelSha256>/spatial/`. */
  cacheDir: string;
  threads?: number;
  batchSize?: number;
  pixelLimit?: number;
}

/** Raw (un-normalised) maps: maps.get(rel)[k] is feature featureIndices[k] of that image, h x w row-major. */
export interface SpatialResult {
  h: number;
  w: number;
  maps: Map<string, Float32Array[]>;
  /** Images that could not be decoded; they have no maps. */
  failures: ExtractFailure[];
}

/** Map height and width from the model description, or from the output size when not known statically. */
function mapShape(info: ModelInfo, spatialLength: number, batch: number): [number, number] {
  if (info.spatialShape) return [info.spatialShape[1], info.spatialShape[2]];
  const hw = spatialLength / (batch * info.dim);
  const side = Math.round(Math.sqrt(hw));
  return side * side === hw ? [side, side] : [1, hw];
}

/**
 * The loaded model maps are computed with: a BatchJob (the crop job maps and crops with one model load), or the one
 * spatialMaps makes, which creates the inference session only when some map is missing.
 */
export type MapModel = BatchJob;

/** Spatial maps of the given features for the given images with an already loaded model: from the store when present, else computed and stored. */
export async function mapsWithModel(model: MapModel, opts: Omit<SpatialRequest, 'threads'>): Promise<SpatialResult> {
  const { deps, info } = model;
  if (!info.spatialOutput) throw new Error(`${opts.modelPath}: the model exposes no spatial feature map before its pooling, so heatmaps are unavailable`);
  const bad = opts.featureIndices.find((f) => !Number.isInteger(f) || f < 0 || f >= info.dim);
  if (bad !== undefined) throw new Error(`feature index ${bad} is out of range: the model has features 0..${info.dim - 1}`);
  const features = opts.featureIndices;
  // Token maps are oriented by the class token; maps stored before that (same model sha) must not be served as such.
  const store = await SpatialStore.open(opts.cacheDir, info.sha256, info.spatialOutput === TOKEN_MAP_OUTPUT ? 'spatial-oriented-tokens' : 'spatial');
  const maps = new Map<string, Float32Array[]>();
  let h = info.spatialShape?.[1] ?? 0;
  let w = info.spatialShape?.[2] ?? 0;
  const todo: number[] = [];
  for (let i = 0; i < opts.entries.length; i++) {
    const stored = await store.get(opts.entries[i]);
    if (stored && features.every((f) => stored.maps.has(f))) {
      maps.set(opts.entries[i].rel, features.map((f) => stored.maps.get(f)!));
      h = stored.h;
      w = stored.w;
    } else todo.push(i);
  }
  const failures: ExtractFailure[] = [];
  if (todo.length < opts.entries.length) model.cached(opts.entries.length - todo.length);
  if (todo.length === 0) return { h, w, maps, failures };

  const pre = info.card.preprocess;
  const imageSize = 3 * pre.crop * pre.crop;
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 8));
  const buffer = new Float32Array(batchSize * imageSize);
  for (let start = 0; start < todo.length; start += batchSize) {
    model.checkCancelled();
    const batch = todo.slice(start, start + batchSize);
    const decoded = await decodeBatch(deps, opts.entries, batch, pre, buffer, opts.pixelLimit ?? deps.defaultPixelLimit);
    for (const f of decoded.failed) failures.push({ path: opts.entries[f.index].path, rel: opts.entries[f.index].rel, reason: f.reason, message: f.message });
    if (decoded.failed.length) model.skip(decoded.failed.length);
    if (decoded.ok.length === 0) continue;
    const out = await model.run(buffer, decoded.ok.length, true);
    if (!out.spatial) throw new Error(`${opts.modelPath}: the model returned no spatial map`);
    [h, w] = mapShape(info, out.spatial.length, decoded.ok.length);
    const hw = h * w;
    for (let j = 0; j < decoded.ok.length; j++) {
      const entry = opts.entries[decoded.ok[j]];
      const perFeature = new Map<number, Float32Array>();
      for (const f of features) perFeature.set(f, out.spatial.slice((j * info.dim + f) * hw, (j * info.dim + f + 1) * hw));
      maps.set(entry.rel, features.map((f) => perFeature.get(f)!));
      await store.put(entry, { h, w, maps: perFeature });
    }
  }
  return { h, w, maps, failures };
}

/** Spatial maps of the given features for the given images, from the store when present, else computed (the inference session is created only then). */
export async function spatialMaps(opts: SpatialRequest & { deps?: ExtractDeps; signal?: AbortSignal }): Promise<SpatialResult> {
  const deps = opts.deps ?? (await loadDefaultDeps());
  const { info, adapted } = await deps.loadModel(opts.modelPath);
  let session: InferenceModel | null = null;
  const model: MapModel = {
    deps, info,
    checkCancelled: () => {
      if (opts.signal?.aborted) throw new ExtractCancelledError('heatmap computation cancelled');
    },
    run: async (input, count, wantSpatial) => {
      session ??= await deps.createModel(adapted, info, { threads: opts.threads ?? deps.defaultThreads() });
      return session.run(input, count, wantSpatial);
    },
    skip: () => undefined,
    cached: () => undefined,
  };
  try {
    return await mapsWithModel(model, opts);
  } finally {
    await (session as InferenceModel | null)?.release();
  }
}
