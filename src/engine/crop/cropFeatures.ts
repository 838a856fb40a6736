// The crop half of the crop job (cropJob.ts): for each image it maps the heatmap box (model-input pixels) to the
// original image, grows, squares and clamps it there, decodes that region with the model's standard preprocessing,
// runs the model, and returns the pooled features (the parent predicts with its own head, which may be a fitted
// one). With an export path it also writes the full-resolution crop.
import { growSquareClamp, type Box, type EdgeBox } from '../../core/cropBox';
import { writeAtomic } from '../fs/writeAtomic';
import { decodeRegionInto, encodeRegion, imageSize } from '../native/sharp';
import { describeFailure, packRows, type BatchJob } from '../extract/batchJob';
import type { ExtractFailureReason } from '../extract/types';
import { inputBoxToOriginal } from './geometry';

/** One image to crop. */
export interface CropItem {
  path: string;
  rel: string;
  /** Bounding box of the thresholded mean core NAM, in model-input pixels. */
  inputBox: EdgeBox;
  /** Absolute path to write the crop to (.jpg/.jpeg: JPEG, else PNG), or null. */
  exportTo: string | null;
}

/** How crops are cut and batched. */
export interface CropCutOptions {
  /** Box growth in width and height (the paper: 0.2). */
  growth: number;
  batchSize?: number;
  pixelLimit?: number;
}

/** What happened to one item: its final box and feature row, or why it failed. */
export interface CropItemResult {
  rel: string;
  imageSize: { width: number; height: number } | null;
  box: Box | null;
  squareClipped: boolean;
  /** Row of `features`, or -1 when the item failed. */
  row: number;
  file: string | null;
  failure: { reason: ExtractFailureReason | 'empty-box'; message: string } | null;
}

/** Pooled features of the crops that worked (rows x dim), and one result per item in request order. */
export interface CropFeaturesResult {
  dim: number;
  features: Float32Array;
  items: CropItemResult[];
}

/** Prepares one item into the batch buffer at `offset`; resolves its result (row filled in later) and never rejects. */
async function prepare(item: CropItem, req: CropCutOptions, pre: Parameters<typeof decodeRegionInto>[2], buffer: Float32Array, offset: number, pixelLimit: number): Promise<CropItemResult> {
  const res: CropItemResult = { rel: item.rel, imageSize: null, box: null, squareClipped: false, row: -1, file: null, failure: null };
  try {
    res.imageSize = await imageSize(item.path, { pixelLimit });
    const orig = inputBoxToOriginal(item.inputBox, res.imageSize, pre);
    if (!orig) {
      res.failure = { reason: 'empty-box', message: `${item.path}: the core box lies in the padding around the image` };
      return res;
    }
    const placed = growSquareClamp(orig, res.imageSize.width, res.imageSize.height, req.growth);
    res.box = placed.box;
    res.squareClipped = placed.squareClipped;
    await decodeRegionInto(item.path, placed.box, pre, buffer, offset, { pixelLimit });
    if (item.exportTo) {
      await writeAtomic(item.exportTo, await encodeRegion(item.path, placed.box, /\.jpe?g$/i.test(item.exportTo) ? 'jpeg' : 'png', { pixelLimit }));
      res.file = item.exportTo;
    }
  } catch (e) {
    res.failure = describeFailure(e, item.path);
  }
  return res;
}

/** Crops, preprocesses and runs the loaded model on each item (progress: one unit per item); stops between batches when the job is cancelled. */
export async function classifyCrops(job: BatchJob, items: CropItem[], opts: CropCutOptions): Promise<CropFeaturesResult> {
  if (!(Number.isFinite(opts.growth) && opts.growth >= 0)) throw new RangeError(`growth must be a finite number >= 0, got ${opts.growth}`);
  const { info } = job;
  const pre = info.card.preprocess;
  const pixelLimit = opts.pixelLimit ?? job.deps.defaultPixelLimit;
  const size = 3 * pre.crop * pre.crop;
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 8));
  const buffer = new Float32Array(batchSize * size);
  const rows: Float32Array[] = [];
  const results: CropItemResult[] = [];
  for (let start = 0; start < items.length; start += batchSize) {
    job.checkCancelled();
    const batch = await Promise.all(items.slice(start, start + batchSize).map((item, j) => prepare(item, opts, pre, buffer, j * size, pixelLimit)));
    const ok = packRows(buffer, size, batch.map((r) => !r.failure));
    if (batch.length > ok) job.skip(batch.length - ok);
    if (ok > 0) {
      const out = await job.run(buffer, ok, false);
      batch.filter((r) => !r.failure).forEach((r, k) => {
        r.row = rows.length;
        rows.push(out.pooled.slice(k * info.dim, (k + 1) * info.dim));
      });
    }
    results.push(...batch);
  }
  const features = new Float32Array(rows.length * info.dim);
  rows.forEach((r, i) => features.set(r, i * info.dim));
  return { dim: info.dim, features, items: results };
}
