import { join } from 'node:path';
import { normalizeByMax, upsampleBilinear } from '../../core/nam';
import { meanOfNormalized } from '../../core/namCombine';
import type { ImageEntry } from '../dataset/types';
import type { Preprocess } from '../model/types';
import { decodeCropRgb, encodePng, type DecodeOptions } from '../native/sharp';
import { exists, imageKey } from './thumbnails';
import { writeAtomic } from '../fs/writeAtomic';
import type { Runner } from '../runner/runner';
import type { SpatialRequest, SpatialResult } from '../extract/spatialMaps';
import type { Colormap } from '../../shared/colormap';
import { blendColormap } from './blend';

/** Spatial activation maps of some features on some images (the spatial job with the model, cache and threads bound). */
export type MapSource = Runner<Pick<SpatialRequest, 'entries' | 'featureIndices'>, SpatialResult>;

/** Part of every file's key: bumped when what a heatmap shows changes (2: token maps oriented by the class token). */
const RENDER_VERSION = 2;

/** Opacity of the heatmap over the image: enough to read the colours and still see the object. */
const ALPHA = 0.5;

/** The gallery overlay of one image: the crop the model saw and the heatmap alone, laid over it at the panel's opacity. */
export interface HeatLayers {
  base: string;
  heat: string;
}

/**
 * Renders heatmap overlays (NAM through a perceptually uniform colormap, inferno by default, over the crop the model
 * saw) as PNG files, cached by image version and colormap.
 */
export class HeatmapCache {
  constructor(
    readonly dir: string,
    private readonly modelSha: string,
    private readonly pre: Preprocess,
    private readonly decode: DecodeOptions,
    private readonly maps: MapSource,
    readonly colormap: Colormap = 'inferno',
  ) {}

  /** One overlay file per (image, feature); missing ones are rendered in one batched model pass. */
  async perFeature(entries: ImageEntry[], features: number[]): Promise<Map<string, string[]>> {
    const out = new Map<string, string[]>(entries.map((e) => [e.rel, features.map((f) => this.file(e, `f${f}`))]));
    await this.renderMissing(entries, features, out, (m) => m.maps.map(normalizeByMax));
    return out;
  }

  /** One overlay per image showing the mean of the given features' maps (e.g. a class's spurious features). */
  async combined(entries: ImageEntry[], features: number[]): Promise<Map<string, string>> {
    const tag = `m${[...features].sort((a, b) => a - b).join('-')}`;
    const files = new Map<string, string[]>(entries.map((e) => [e.rel, [this.file(e, tag)]]));
    if (features.length > 0) await this.renderMissing(entries, features, files, (m) => [meanOfNormalized(m.maps)]);
    return new Map([...files].map(([rel, [f]]) => [rel, f] as const));
  }

  /**
   * Per image the model's crop and, as a separate file, the mean of the given features' maps through the colormap
   * alone (one feature: its own map), so the panel can change the overlay's opacity without a new rendering.
   */
  async layers(entries: ImageEntry[], features: number[]): Promise<Map<string, HeatLayers>> {
    const tag = `L${[...features].sort((a, b) => a - b).join('-')}`;
    const files = new Map<string, string[]>(entries.map((e) => [e.rel, [this.file(e, 'crop'), this.file(e, tag)]]));
    if (features.length > 0) await this.renderMissing(entries, features, files, (m) => [null, meanOfNormalized(m.maps)], 1);
    return new Map([...files].map(([rel, [base, heat]]) => [rel, { base, heat }] as const));
  }

  /** Renders the files of `files` that do not exist yet: one model pass for the images missing any, one decode each. */
  private async renderMissing(
    entries: ImageEntry[], features: number[], files: Map<string, string[]>,
    units: (m: { h: number; w: number; maps: Float32Array[] }) => (Float32Array | null)[],
    alpha = ALPHA,
  ): Promise<void> {
    const todo: ImageEntry[] = [];
    for (const e of entries) if (!(await allExist(files.get(e.rel)!))) todo.push(e);
    if (todo.length === 0) return;
    const { h, w, maps } = await this.maps({ entries: todo, featureIndices: features });
    await Promise.all(todo.map(async (e) => {
      const found = maps.get(e.rel);
      if (!found) return;
      const m = { h, w, maps: found };
      const base = await decodeCropRgb(e.path, this.pre, this.decode);
      const dests = files.get(e.rel)!;
      await Promise.all(units(m).map((unit, i) => this.render(base, unit, m.h, m.w, dests[i], alpha)));
    }));
  }

  private file(e: ImageEntry, variant: string): string {
    const key = imageKey(e, `${this.modelSha}:${this.colormap}:${variant}:${RENDER_VERSION}`);
    return join(this.dir, key.slice(0, 2), `${key}.png`);
  }

  /** Writes the map blended over the crop at `alpha`, or the crop itself for a null map. */
  private async render(base: { data: Uint8Array; width: number; height: number }, unit: Float32Array | null, h: number, w: number, dest: string, alpha: number): Promise<void> {
    const rgb = unit ? blendColormap(base.data, base.width, base.height, upsampleBilinear(unit, h, w, base.height, base.width), alpha, this.colormap) : base.data;
    await writeAtomic(dest, await encodePng(rgb, base.width, base.height));
  }
}

async function allExist(files: string[]): Promise<boolean> {
  for (const f of files) if (!(await exists(f))) return false;
  return true;
}
