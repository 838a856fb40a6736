// What opening an out-of-core analysis computes, kept beside the feature cache so the next open reads one file
// instead of every shard twice: each image's prediction, the per-class feature sums of the importance, and the
// per-class columns (a class's images x its top and spurious features). Keyed by the model, the grouping and every
// image's cache key (path, size, mtime), in order: any change to the images or the model makes a new key, and a
// stale file is simply not used. ImageNet (1.33M images): about 60 MB.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import type { CacheKey } from '../../cache/shard';
import type { FeatureGap } from '../../../core/featureGap';
import { writeAtomic } from '../../fs/writeAtomic';

/** Bump when the layout or what it holds changes. */
const VERSION = 1;
const MAGIC = 'SPLAIDX1';

/** The persisted results of an open. */
export interface AnalysisIndex {
  predicted: Int32Array;
  sums: Float64Array;
  counts: Int32Array;
  /** Per class: the features whose columns are kept, and each column's values (the class's images in row order). */
  columns: Array<{ feats: number[]; values: Float32Array[] }>;
  /**
   * The per-feature gaps of each class (core featureGaps over its top features) with no image excluded, and the
   * knobs they were computed with; absent in an index written before they were kept (the open computes them then).
   */
  featureGaps?: { topK: number; featureGapK: number; byClass: Array<[number, FeatureGap[]]> };
}

// NaN (an accuracy with k = 0) does not survive JSON: it travels as null
const gapsToJson = (g: NonNullable<AnalysisIndex['featureGaps']>) => ({ ...g, byClass: g.byClass.map(([c, list]) => [c, list.map((x) => ({ ...x, accHigh: num(x.accHigh), accLow: num(x.accLow), gap: num(x.gap) }))]) });
const num = (x: number): number | null => (Number.isFinite(x) ? x : null);
const nan = (x: number | null): number => (x === null ? NaN : x);
function gapsFromJson(j: unknown): AnalysisIndex['featureGaps'] {
  if (!j || typeof j !== 'object') return undefined;
  const g = j as { topK: number; featureGapK: number; byClass: Array<[number, Array<FeatureGap & { accHigh: number | null; accLow: number | null; gap: number | null }>]> };
  if (!Array.isArray(g.byClass)) return undefined;
  return { topK: g.topK, featureGapK: g.featureGapK, byClass: g.byClass.map(([c, list]) => [c, list.map((x) => ({ ...x, accHigh: nan(x.accHigh), accLow: nan(x.accLow), gap: nan(x.gap) }))]) };
}

/** The key of an analysis: model, grouping and every image's cache key, in order. */
export function analysisKey(modelSha: string, grouping: string, entries: readonly CacheKey[]): string {
  const h = createHash('sha256');
  h.update(`${VERSION}\0${modelSha}\0${grouping}\0${entries.length}\0`);
  // the same bytes as one update per image, in chunks: 1.33M small updates cost about a second
  let chunk = '';
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    chunk += `${e.rel}\0${e.size}\0${e.mtimeMs}\n`;
    if ((i & 4095) === 4095) { h.update(chunk); chunk = ''; }
  }
  if (chunk) h.update(chunk);
  return h.digest('hex');
}

const fileOf = (cacheDir: string, key: string) => join(cacheDir, `analysis-${key.slice(0, 32)}.idx`);

/** Writes the index (atomically). */
export async function writeAnalysisIndex(cacheDir: string, key: string, idx: AnalysisIndex): Promise<void> {
  const header = Buffer.from(JSON.stringify({
    version: VERSION, key, m: idx.predicted.length, sums: idx.sums.length, counts: idx.counts.length,
    columns: idx.columns.map((c) => ({ feats: c.feats, n: c.values[0]?.length ?? 0 })),
    ...(idx.featureGaps ? { featureGaps: gapsToJson(idx.featureGaps) } : {}),
  }));
  const parts: Uint8Array[] = [Buffer.from(MAGIC), u32(header.length), header];
  const pad = (len: number) => { const r = len % 8; if (r) parts.push(new Uint8Array(8 - r)); };
  pad(MAGIC.length + 4 + header.length);
  const add = (a: ArrayBufferView) => { parts.push(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)); pad(a.byteLength); };
  add(idx.sums);
  add(idx.predicted);
  add(idx.counts);
  for (const c of idx.columns) for (const v of c.values) add(v);
  const file = fileOf(cacheDir, key);
  await writeAtomic(file, Buffer.concat(parts));
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** The index of `key`, or null when there is none (or it is unreadable: the open then computes it again). */
export async function readAnalysisIndex(cacheDir: string, key: string): Promise<AnalysisIndex | null> {
  let buf: Buffer;
  try {
    buf = await fsp.readFile(fileOf(cacheDir, key));
  } catch {
    return null;
  }
  try {
    if (buf.toString('latin1', 0, MAGIC.length) !== MAGIC) return null;
    const hl = buf.readUInt32LE(MAGIC.length);
    const h = JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + hl)) as { version: number; key: string; m: number; sums: number; counts: number; columns: Array<{ feats: number[]; n: number }>; featureGaps?: unknown };
    if (h.version !== VERSION || h.key !== key) return null;
    let at = MAGIC.length + 4 + hl;
    const align = () => { at = Math.ceil(at / 8) * 8; };
    align();
    // copies, so the file's buffer is not kept alive by a small view
    const take = <T>(make: (b: ArrayBuffer, o: number, n: number) => T, n: number, bytes: number): T => {
      if (at + n * bytes > buf.length) throw new Error('truncated');
      const u = new Uint8Array(n * bytes);
      u.set(buf.subarray(at, at + n * bytes));
      const copy = u.buffer;
      at += n * bytes;
      align();
      return make(copy, 0, n);
    };
    const sums = take((b, o, n) => new Float64Array(b, o, n), h.sums, 8);
    const predicted = take((b, o, n) => new Int32Array(b, o, n), h.m, 4);
    const counts = take((b, o, n) => new Int32Array(b, o, n), h.counts, 4);
    const columns = h.columns.map((c) => ({ feats: c.feats, values: c.feats.map(() => take((b, o, n) => new Float32Array(b, o, n), c.n, 4)) }));
    return { predicted, sums, counts, columns, featureGaps: gapsFromJson(h.featureGaps) };
  } catch {
    return null;
  }
}

/** Removes this cache folder's other analysis indexes (a changed dataset leaves its old one behind otherwise). */
export async function pruneAnalysisIndexes(cacheDir: string, keep: string): Promise<void> {
  const names = await fsp.readdir(cacheDir).catch(() => [] as string[]);
  const mine = `analysis-${keep.slice(0, 32)}.idx`;
  await Promise.all(names.filter((n) => /^analysis-[0-9a-f]{32}\.idx$/.test(n) && n !== mine).map((n) => fsp.rm(join(cacheDir, n), { force: true })));
}
