// Merges feature caches (e.g. the per-shard caches of a sharded extraction) into one: for every model folder
// `<root>/<sha256>/` found in any source, the destination ends up holding each image's newest record once, in
// compacted shards, with the same float16 features and float32 logits bit for bit.
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { FeatureCache, LookupStatus, rowsPerShard, type CacheMeta, type CacheProblem } from './featureCache';
import { decodeShardHeader, type CacheKey, type CachedFailure } from './shard';

const MODEL_DIR_RE = /^[0-9a-f]{16,128}$/;
const SHARD_FILE_RE = /^shard-\d{8,}\.bin$/;

/** Options of mergeCaches. */
export interface MergeOptions {
  /**
   * The dataset's images: only records matching one (same path, size and mtime) are kept, in this order, as an
   * unsharded run over the dataset would leave them. Without it every record is kept, ordered by path.
   */
  keep?: readonly CacheKey[];
  /** Rows per written shard (default: about 16 MB per shard); tests set it small. */
  shardRows?: number;
}

/** What merging did for one model. */
export interface ModelMerge {
  sha256: string;
  dim: number;
  classes: number;
  /** Images with features in the merged cache. */
  rows: number;
  /** Cached decode failures in the merged cache. */
  failures: number;
  /** Records taken from each root, in the order [destination, ...sources]. */
  taken: number[];
  /** Images recorded with different size/mtime in two roots (the newer mtime won). */
  conflicts: number;
  /** Records left out because they match no image of `keep`. */
  dropped: number;
}

/** Result of mergeCaches. */
export interface MergeReport {
  models: ModelMerge[];
  /** Shards that were ignored (damaged, another format), by file. */
  problems: CacheProblem[];
}

interface Winner { key: CacheKey; failure: { reason: string; message: string } | null; from: number }

/** Hex model folders holding at least one shard, in a cache root (a missing root has none). */
async function modelDirs(root: string): Promise<string[]> {
  const names = await fsp.readdir(root).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw new Error(`cannot read the cache folder ${root}: ${e.code ?? e.message}`);
  });
  const out: string[] = [];
  for (const name of names) {
    if (!MODEL_DIR_RE.test(name)) continue;
    const inner = await fsp.readdir(join(root, name)).catch(() => [] as string[]);
    if (inner.some((n) => SHARD_FILE_RE.test(n))) out.push(name);
  }
  return out;
}

/** Feature and class counts of a model folder, from the first shard whose header parses (null: none does). */
async function probeMeta(dir: string): Promise<{ dim: number; classes: number } | null> {
  const names = (await fsp.readdir(dir).catch(() => [] as string[])).filter((n) => SHARD_FILE_RE.test(n)).sort();
  for (const name of names) {
    try {
      const fh = await fsp.open(join(dir, name), 'r');
      try {
        const prefix = Buffer.alloc(48);
        await fh.read(prefix, 0, 48, 0);
        const head = Buffer.alloc(48 + prefix.readUInt32LE(8));
        await fh.read(head, 0, head.length, 0);
        const { header } = decodeShardHeader(head);
        return { dim: header.dim, classes: header.classes };
      } finally {
        await fh.close();
      }
    } catch {
      // a damaged shard: FeatureCache.open reports it; try the next one
    }
  }
  return null;
}

/** Picks each image's record across caches (index 0 = destination): the newer file version wins, features beat a failure. */
function pickWinners(caches: FeatureCache[]): { winners: Map<string, Winner>; conflicts: number } {
  const winners = new Map<string, Winner>();
  let conflicts = 0;
  caches.forEach((cache, from) => {
    for (const r of cache.records()) {
      const key = { rel: r.rel, size: r.size, mtimeMs: r.mtimeMs };
      const prev = winners.get(r.rel);
      if (!prev) { winners.set(r.rel, { key, failure: r.failure, from }); continue; }
      const same = prev.key.size === r.size && prev.key.mtimeMs === r.mtimeMs;
      if (!same) conflicts++;
      const better = same ? prev.failure !== null && r.failure === null : r.mtimeMs > prev.key.mtimeMs;
      if (better) winners.set(r.rel, { key, failure: r.failure, from });
    }
  });
  return { winners, conflicts };
}

/** Merges one model's caches into dest; sources are the other caches. */
async function mergeModel(dest: FeatureCache, sources: FeatureCache[], opts: MergeOptions): Promise<ModelMerge> {
  const caches = [dest, ...sources];
  const { dim: D, classes: C } = dest.meta;
  const { winners, conflicts } = pickWinners(caches);
  let ordered: Winner[];
  if (opts.keep) {
    ordered = [];
    for (const k of opts.keep) {
      const w = winners.get(k.rel);
      if (w && w.key.size === k.size && w.key.mtimeMs === k.mtimeMs) ordered.push(w);
    }
  } else {
    ordered = [...winners.values()].sort((a, b) => (a.key.rel < b.key.rel ? -1 : a.key.rel > b.key.rel ? 1 : 0));
  }
  const withFeatures = ordered.filter((w) => w.failure === null);
  const failures: CachedFailure[] = ordered.filter((w) => w.failure !== null).map((w) => ({ ...w.key, ...w.failure! }));
  const taken = caches.map(() => 0);
  for (const w of ordered) taken[w.from]++;
  const R = Math.max(1, Math.floor(opts.shardRows ?? rowsPerShard(dest.meta)));
  const pooled = new Float32Array(Math.min(R, Math.max(1, withFeatures.length)) * D);
  const logits = new Float32Array(Math.min(R, Math.max(1, withFeatures.length)) * C);
  await dest.replaceAll(async (emit) => {
    for (let s = 0; s === 0 || s < withFeatures.length; s += R) {
      const chunk = withFeatures.slice(s, s + R);
      for (let from = 0; from < caches.length; from++) {
        const pos: number[] = [];
        const keys: CacheKey[] = [];
        chunk.forEach((w, j) => { if (w.from === from) { pos.push(j); keys.push(w.key); } });
        if (keys.length === 0) continue;
        const r = await caches[from].lookupRows(keys, (first, count, body, row) => {
          for (let k = 0; k < count; k++) {
            body.copyPooled(row + k, 1, pooled, pos[first + k] * D);
            body.copyLogits(row + k, 1, logits, pos[first + k] * C);
          }
        });
        const lost = r.status.findIndex((st) => st !== LookupStatus.Hit);
        // a shard damaged between indexing and reading: stop rather than write a cache with a hole
        if (lost >= 0) throw new Error(`cache merge: the record of ${keys[lost].rel} in ${caches[from].dir} could not be read (${caches[from].problems.at(-1)?.problem ?? 'missing'})`);
      }
      const last = s + R >= withFeatures.length;
      await emit(chunk.map((w) => w.key), pooled.subarray(0, chunk.length * D), logits.subarray(0, chunk.length * C), last ? failures : []);
    }
  });
  return {
    sha256: dest.meta.sha256, dim: D, classes: C, rows: withFeatures.length, failures: failures.length,
    taken, conflicts, dropped: winners.size - ordered.length,
  };
}

/**
 * Merges the caches under each source root into destRoot (whose own records take part too), model by model.
 * Sources are only read. Throws when two roots hold the same model with different feature or class counts.
 */
export async function mergeCaches(destRoot: string, sourceRoots: readonly string[], opts: MergeOptions = {}): Promise<MergeReport> {
  const dest = resolve(destRoot);
  const sources = [...new Set(sourceRoots.map((s) => resolve(s)))].filter((s) => s !== dest);
  for (const s of sources) {
    const st = await fsp.stat(s).catch(() => null);
    if (!st?.isDirectory()) throw new Error(`cache merge: source ${s} is not a folder`);
  }
  const roots = [dest, ...sources];
  const shas = new Set<string>();
  for (const r of roots) for (const sha of await modelDirs(r)) shas.add(sha);
  const report: MergeReport = { models: [], problems: [] };
  for (const sha of [...shas].sort()) {
    let meta: CacheMeta | null = null;
    let metaFrom = '';
    for (const r of roots) {
      const m = await probeMeta(join(r, sha));
      if (!m) continue;
      if (!meta) { meta = { sha256: sha, ...m }; metaFrom = r; continue; }
      if (m.dim !== meta.dim || m.classes !== meta.classes) {
        throw new Error(`cache merge: model ${sha.slice(0, 12)} has ${meta.dim} features x ${meta.classes} classes in ${metaFrom} but ${m.dim} x ${m.classes} in ${r}`);
      }
    }
    if (!meta) continue;
    // sources without this model are not opened: opening would create its folder in them
    const present = await Promise.all(sources.map((r) => fsp.stat(join(r, sha)).then((st) => st.isDirectory(), () => false)));
    const open = (r: string) => FeatureCache.open(r, meta, { shardRows: opts.shardRows });
    const caches = [await open(dest), ...(await Promise.all(sources.filter((_, i) => present[i]).map(open)))];
    for (const c of caches) report.problems.push(...c.problems);
    const merged = await mergeModel(caches[0], caches.slice(1), opts);
    // taken[] is per root given, 0 for the sources that lack the model
    let next = 1;
    merged.taken = [merged.taken[0], ...present.map((p) => (p ? merged.taken[next++] : 0))];
    report.models.push(merged);
  }
  return report;
}
