// Small on-disk store of spatial feature maps (h x w per feature), computed on demand for
// heatmaps: caching every feature of every image would be 2048 x 7 x 7 floats an image at
// ResNet-50 scale, so only the (image, feature) pairs someone looked at are kept.
// One file per image under `<cacheRoot>/<modelSha256>/spatial/`, keyed by the image's
// (rel, size, mtimeMs); a changed image invalidates its file. Writes are temp file + rename.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { CacheKey } from './shard';

interface StoredHeader extends CacheKey {
  h: number;
  w: number;
  features: number[];
}

/** Spatial maps of some features of one image: maps[k] is feature features[k], h x w row-major. */
export interface StoredMaps {
  h: number;
  w: number;
  maps: Map<number, Float32Array>;
}

let counter = 0;

/** Per-model store of spatial maps. */
export class SpatialStore {
  private constructor(readonly dir: string) {}

  /** Opens the store of model sha256 under cacheRoot; `kind` names the folder of one kind of map (token maps keep theirs apart). */
  static async open(cacheRoot: string, sha256: string, kind = 'spatial'): Promise<SpatialStore> {
    const dir = join(cacheRoot, sha256.toLowerCase(), kind);
    await fsp.mkdir(dir, { recursive: true });
    return new SpatialStore(dir);
  }

  private fileOf(rel: string): string {
    return join(this.dir, `${createHash('sha1').update(rel).digest('hex')}.bin`);
  }

  /** Returns the stored maps of the image when its key still matches, else null; unreadable files count as absent. */
  async get(key: CacheKey): Promise<StoredMaps | null> {
    let buf: Buffer;
    try {
      buf = await fsp.readFile(this.fileOf(key.rel));
    } catch {
      return null;
    }
    try {
      const H = buf.readUInt32LE(0);
      const header = JSON.parse(buf.subarray(4, 4 + H).toString('utf8')) as StoredHeader;
      if (header.rel !== key.rel || header.size !== key.size || header.mtimeMs !== key.mtimeMs) return null;
      const hw = header.h * header.w;
      const start = 4 + H;
      if (buf.length !== start + header.features.length * hw * 4) return null;
      const maps = new Map<number, Float32Array>();
      header.features.forEach((f, k) => {
        const m = new Float32Array(hw);
        for (let i = 0; i < hw; i++) m[i] = buf.readFloatLE(start + (k * hw + i) * 4);
        maps.set(f, m);
      });
      return { h: header.h, w: header.w, maps };
    } catch {
      return null;
    }
  }

  /** Stores maps for the image, merged with those already stored under the same key. */
  async put(key: CacheKey, stored: StoredMaps): Promise<void> {
    const prev = await this.get(key);
    const maps = new Map(prev && prev.h === stored.h && prev.w === stored.w ? prev.maps : []);
    for (const [f, m] of stored.maps) maps.set(f, m);
    const features = [...maps.keys()].sort((a, b) => a - b);
    const hw = stored.h * stored.w;
    const json = Buffer.from(JSON.stringify({ rel: key.rel, size: key.size, mtimeMs: key.mtimeMs, h: stored.h, w: stored.w, features }), 'utf8');
    const buf = Buffer.alloc(4 + json.length + features.length * hw * 4);
    buf.writeUInt32LE(json.length, 0);
    json.copy(buf, 4);
    features.forEach((f, k) => {
      const m = maps.get(f)!;
      for (let i = 0; i < hw; i++) buf.writeFloatLE(m[i], 4 + json.length + (k * hw + i) * 4);
    });
    const dest = this.fileOf(key.rel);
    const tmp = `${dest}.tmp-${process.pid}-${counter++}`;
    await fsp.writeFile(tmp, buf);
    await fsp.rename(tmp, dest);
  }
}
