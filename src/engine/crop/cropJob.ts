// Core cropping's model work as one job, in whichever process runs it: the model is loaded once, the chosen images'
// spatial maps come from the SpatialStore or are computed (and stored), each image's box is cut around its class's
// mean core NAM, and the crops are classified into pooled features (the parent predicts with the session's head).
// Progress counts one unit per image for its maps and one for its crop, so a run reports one bar over both.
import type { EdgeBox } from '../../core/cropBox';
import type { ImageEntry } from '../dataset/types';
import { withModel } from '../extract/batchJob';
import { mapsWithModel } from '../extract/spatialMaps';
import type { ExtractDeps, ExtractFailure, ExtractProgress } from '../extract/types';
import { classifyCrops, type CropFeaturesResult, type CropItem } from './cropFeatures';
import { inputBox } from './inputBoxes';

/** One image of a crop job. */
export interface CropJobItem {
  entry: ImageEntry;
  /** Its class's core features (at least one): the box is around the mean of their normalised maps. */
  core: number[];
  /** Absolute path to write the full-resolution crop to, or null. */
  exportTo: string | null;
}

/** Serializable request of the crop job (what crosses the IPC boundary). */
export interface CropJobRequest {
  modelPath: string;
  /** Spatial-map cache root (as for heatmaps). */
  cacheDir: string;
  items: CropJobItem[];
  /** Share of the mean core NAM's maximum a pixel needs to be in the box (the paper: 0.9). */
  threshold: number;
  /** Box growth in width and height (the paper: 0.2). */
  growth: number;
  threads?: number;
  batchSize?: number;
  pixelLimit?: number;
}

/** Boxes in model-input pixels, the images without maps, and the crops' pooled features. */
export interface CropJobResult {
  /** Per item in request order: its box in model-input pixels, or null (no maps, or its core features do not fire on it). */
  inputBoxes: Array<EdgeBox | null>;
  /** Images whose maps could not be computed (not decodable): they have no box. */
  mapFailures: ExtractFailure[];
  /** The crops of the items that have a box, in request order. */
  crops: CropFeaturesResult;
}

/** Units of progress of a crop job over `items` images: maps, then crops. */
export const cropJobUnits = (items: number): number => 2 * items;

/** Maps, boxes and crop features of the items with one model load; stops between batches when the signal aborts. */
export async function runCropJob(opts: CropJobRequest & { deps?: ExtractDeps; signal?: AbortSignal; onProgress?(p: ExtractProgress): void }): Promise<CropJobResult> {
  if (!(opts.threshold > 0 && opts.threshold <= 1)) throw new RangeError(`threshold must be in (0, 1], got ${opts.threshold}`);
  if (!(Number.isFinite(opts.growth) && opts.growth >= 0)) throw new RangeError(`growth must be a finite number >= 0, got ${opts.growth}`);
  const noCore = opts.items.find((it) => !it.core.length);
  if (noCore) throw new Error(`${noCore.entry.rel}: a crop needs at least one core feature of the image's class`);
  const mapFeatures = [...new Set(opts.items.flatMap((it) => it.core))].sort((a, b) => a - b);
  const n = opts.items.length;
  return withModel({ ...opts, total: cropJobUnits(n), cancelMessage: 'core cropping cancelled' }, async (job) => {
    const spatial = await mapsWithModel(job, {
      modelPath: opts.modelPath, entries: opts.items.map((it) => it.entry), featureIndices: mapFeatures,
      cacheDir: opts.cacheDir, batchSize: opts.batchSize, pixelLimit: opts.pixelLimit,
    });
    const inputSize = job.info.card.preprocess.crop;
    const inputBoxes = opts.items.map((it) => {
      const maps = spatial.maps.get(it.entry.rel);
      return maps ? inputBox(maps, mapFeatures, it.core, spatial, inputSize, opts.threshold) : null;
    });
    const toCrop: CropItem[] = opts.items.flatMap((it, i) => {
      const box = inputBoxes[i];
      return box ? [{ path: it.entry.path, rel: it.entry.rel, inputBox: box, exportTo: it.exportTo }] : [];
    });
    // images without a box have no crop to classify: their crop unit is done
    if (toCrop.length < n) job.cached(n - toCrop.length);
    const crops = await classifyCrops(job, toCrop, { growth: opts.growth, batchSize: opts.batchSize, pixelLimit: opts.pixelLimit });
    return { inputBoxes, mapFailures: spatial.failures, crops };
  });
}
