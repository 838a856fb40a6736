// The mask score's model work as one job of the table (engine/jobs), in whichever process runs it: one model load,
// per class the spatial maps of its top features on their top-activating images (from the SpatialStore the heatmaps
// fill, else computed and stored there), each image's object mask brought onto the map grid once, and per
// (class, feature) the share of NAM mass on the object (core/maskScore). Progress counts one unit per image.
import { namMaskShare, pairScore, type ImageShare, type PairScore } from '../../core/maskScore';
import type { ImageEntry } from '../dataset/types';
import { withModel } from '../extract/batchJob';
import { mapsWithModel } from '../extract/spatialMaps';
import type { ExtractDeps, ExtractFailure, ExtractProgress } from '../extract/types';
import { DEFAULT_DECODE_OPTIONS } from '../native/sharp';
import { folderMask, type GridMask, type MaskProblem } from './maskFolder';
import { loadSegmenter } from './segmenterMasks';

/** Where object masks come from: a folder mirroring the image tree. */
export interface MaskFolderSource {
  kind: 'folder';
  dir: string;
}

/** Or a foreground segmentation model (ONNX, with its card), run on the images scored. */
export interface MaskSegmenterSource {
  kind: 'segmenter';
  modelPath: string;
}

/** One (class, feature) pair to score and the images to score it on (its top-activating images of the class). */
export interface MaskScoreItem {
  cls: string;
  feature: number;
  entries: ImageEntry[];
}

/** Serializable request of the mask-score job. */
export interface MaskScoreRequest {
  modelPath: string;
  /** Spatial-map cache root (as for heatmaps). */
  cacheDir: string;
  source: MaskFolderSource | MaskSegmenterSource;
  items: MaskScoreItem[];
  threads?: number;
  batchSize?: number;
  pixelLimit?: number;
}

/** A pair's score, and how many of its images had no mask or no map. */
export interface ScoredPair {
  cls: string;
  feature: number;
  score: PairScore;
  noMask: number;
  noMap: number;
}

/** Scores per item in request order; images without a usable mask (each named once) and without maps. */
export interface MaskScoreResult {
  pairs: ScoredPair[];
  maskProblems: MaskProblem[];
  mapFailures: ExtractFailure[];
  /** Map grid (h x w) the masks were averaged onto. */
  grid: { h: number; w: number };
}

/** Scores every item with one model load; maps and masks are read once per image. */
export async function runMaskScoreJob(opts: MaskScoreRequest & { deps?: ExtractDeps; signal?: AbortSignal; onProgress?(p: ExtractProgress): void }): Promise<MaskScoreResult> {
  const source = opts.source;
  if (source.kind !== 'folder' && source.kind !== 'segmenter') throw new Error(`unknown mask source "${(source as { kind: string }).kind}"; valid: folder, segmenter`);
  const byClass = new Map<string, MaskScoreItem[]>();
  for (const it of opts.items) byClass.set(it.cls, [...(byClass.get(it.cls) ?? []), it]);
  const unions = new Map<string, ImageEntry[]>();
  for (const [cls, items] of byClass) {
    const seen = new Map<string, ImageEntry>();
    for (const it of items) for (const e of it.entries) seen.set(e.rel, e);
    unions.set(cls, [...seen.values()]);
  }
  const total = [...unions.values()].reduce((a, u) => a + u.length, 0);
  const decode = { pixelLimit: opts.pixelLimit ?? DEFAULT_DECODE_OPTIONS.pixelLimit };
  return withModel({ ...opts, total, cancelMessage: 'mask scoring cancelled' }, async (job) => {
    const pre = job.info.card.preprocess;
    const segmenter = source.kind === 'segmenter'
      ? await loadSegmenter(source.modelPath, { threads: opts.threads ?? job.deps.defaultThreads(), pixelLimit: decode.pixelLimit, batchSize: opts.batchSize })
      : null;
    try {
    const masks = new Map<string, GridMask>();
    const maskProblems: MaskProblem[] = [];
    const mapFailures: ExtractFailure[] = [];
    const scored = new Map<MaskScoreItem, ScoredPair>();
    let grid = { h: 0, w: 0 };
    for (const [cls, items] of byClass) {
      job.checkCancelled();
      const features = [...new Set(items.map((it) => it.feature))].sort((a, b) => a - b);
      const spatial = await mapsWithModel(job, {
        modelPath: opts.modelPath, entries: unions.get(cls)!, featureIndices: features,
        cacheDir: opts.cacheDir, batchSize: opts.batchSize, pixelLimit: opts.pixelLimit,
      });
      mapFailures.push(...spatial.failures);
      grid = { h: spatial.h, w: spatial.w };
      if (segmenter) {
        const todo = unions.get(cls)!.filter((e) => spatial.maps.has(e.rel) && !masks.has(e.rel));
        for (const [rel, m] of await segmenter.masks(todo, pre, spatial.w, spatial.h)) {
          masks.set(rel, m);
          if ('problem' in m) maskProblems.push(m.problem);
        }
      }
      for (const it of items) {
        const k = features.indexOf(it.feature);
        const shares: ImageShare[] = [];
        let noMask = 0;
        let noMap = 0;
        for (const e of it.entries) {
          const maps = spatial.maps.get(e.rel);
          if (!maps) { noMap++; continue; }
          let m = masks.get(e.rel);
          if (!m && source.kind === 'folder') {
            m = await folderMask(e, source.dir, pre, spatial.w, spatial.h, decode);
            masks.set(e.rel, m);
            if ('problem' in m) maskProblems.push(m.problem);
          }
          if (!m || 'problem' in m) { noMask++; continue; }
          shares.push(namMaskShare(maps[k], m.mask));
        }
        scored.set(it, { cls, feature: it.feature, score: pairScore(shares), noMask, noMap });
      }
    }
    return { pairs: opts.items.map((it) => scored.get(it)!), maskProblems, mapFailures, grid };
    } finally {
      await segmenter?.release();
    }
  });
}
