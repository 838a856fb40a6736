// On-disk feature cache for one model: `<cacheRoot>/<modelSha256>/shard-<seq>.bin`.
//
// Crash safety: a shard is written to `tmp-<pid>-<n>`, fsynced, then linked (or renamed) to
// its final name and the directory fsynced, so a final name always holds a complete file.
// Shards are append-only with increasing sequence numbers and a newer shard's record for an
// image overrides older ones; a run killed at any point loses at most the batch being written.
// Leftover temp files of dead processes are deleted on open; a shard failing its checksum is
// ignored, reported in `problems`, and removed by the next compaction.
//
// Failed decodes are cached too (with reason and message) and reported again on later runs
// without re-decoding: a file that is fixed or replaced gets a new size/mtime, hence a new key,
// and is retried automatically; `retryFailed` forces a retry of unchanged files.
import { promises as fsp } from 'node:fs';
import { commitFile, deadTemp, readWhole, syncDir } from './atomicFile';
import { join } from 'node:path';
import { decodeShard, decodeShardHeader, encodeShard, shardFileSize, type CacheKey, type CachedFailure, type ShardBody } from './shard';

/**
 * Receives `count` consecutive rows of a verified shard starting at `row`; they belong to entries
 * first..first+count-1 of the lookup.
 */
export type RowSink = (first: number, count: number, body: ShardBody, row: number) => void;

/** A RowSink copying rows into n x dim pooled and n x classes logits float32 matrices at the entry's row. */
export function matrixSink(outPooled: Float32Array, outLogits: Float32Array, dim: number, classes: number): RowSink {
  return (first, count, body, row) => {
    body.copyPooled(row, count, outPooled, first * dim);
    body.copyLogits(row, count, outLogits, first * classes);
  };
}

/** Bytes of one compacted shard to aim for: readers load a whole shard at once, so this bounds their memory. */
export const SHARD_TARGET_BYTES = 16 * 1024 * 1024;

/** Rows per compacted shard so that one holds about SHARD_TARGET_BYTES (float16 features, float32 logits). */
export function rowsPerShard(meta: Pick<CacheMeta, 'dim' | 'classes'>): number {
  return Math.max(1, Math.floor(SHARD_TARGET_BYTES / (meta.dim * 2 + meta.classes * 4)));
}

/** Options of FeatureCache.open. */
export interface CacheOpenOptions {
  /** Rows per compacted shard (default rowsPerShard(meta)); tests set it small. */
  shardRows?: number;
}

/** What the cache must know about the model: its identity and output sizes. */
export interface CacheMeta {
  sha256: string;
  dim: number;
  classes: number;
}

/** A cache file that was ignored, and why. */
export interface CacheProblem {
  file: string;
  problem: string;
}

/** Per-entry outcome of a lookup, in the order of the entries given. */
export const LookupStatus = { Miss: 0, Hit: 1, Failed: 2 } as const;

/** Result of `lookup`: hits were copied into the caller's arrays at the entry's row. */
export interface LookupResult {
  status: Uint8Array;
  hits: number;
  /** Cached decode failures (not re-decoded), with the index of the entry. */
  failures: Array<CachedFailure & { index: number }>;
  /** Indices of entries to compute. */
  misses: number[];
}

/** Live data to keep when compacting: rows of pooled/logits belong to entries in order. */
export interface CompactionInput {
  entries: CacheKey[];
  pooled: Float32Array;
  logits: Float32Array;
  failures: CachedFailure[];
}

interface Rec { seq: number; row: number; size: number; mtimeMs: number; failure: { reason: string; message: string } | null }
interface ShardFile { seq: number; file: string; records: number }
/** The last shard body read, kept while compaction walks the entries in order (a shard often spans two chunks). */
interface ShardMemo { seq: number; body: ShardBody | null }

const SHARD_RE = /^shard-(\d{8,})\.bin$/;
/** Compact when more than this fraction of records is dead, or when there are more shards than MAX_SHARDS. */
export const DEAD_FRACTION = 0.3;
/** Shard count above which the cache is compacted. */
export const MAX_SHARDS = 64;

const sameKey = (r: { size: number; mtimeMs: number }, k: CacheKey): boolean => r.size === k.size && r.mtimeMs === k.mtimeMs;
const shardName = (seq: number): string => `shard-${String(seq).padStart(8, '0')}.bin`;

/** The feature cache of one model in one cache root. */
export class FeatureCache {
  /** Shards and leftovers that were ignored, with the reason. */
  readonly problems: CacheProblem[] = [];
  private readonly shards = new Map<number, ShardFile>();
  private readonly index = new Map<string, Rec>();
  private totalRecords = 0;
  private nextSeq = 1;
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly dir: string, readonly meta: CacheMeta, private readonly shardRows: number) {}

  /** Opens (creating if needed) the cache of model `meta.sha256` under cacheRoot and indexes its shards. */
  static async open(cacheRoot: string, meta: CacheMeta, opts: CacheOpenOptions = {}): Promise<FeatureCache> {
    if (!/^[0-9a-f]{16,128}$/i.test(meta.sha256)) throw new Error(`feature cache: model sha256 "${meta.sha256}" is not a hex digest`);
    const cache = new FeatureCache(join(cacheRoot, meta.sha256.toLowerCase()), meta, Math.max(1, Math.floor(opts.shardRows ?? rowsPerShard(meta))));
    await fsp.mkdir(cache.dir, { recursive: true });
    await cache.scan();
    return cache;
  }

  private async scan(): Promise<void> {
    const names = await fsp.readdir(this.dir);
    const seqs: Array<{ seq: number; name: string }> = [];
    for (const name of names) {
      const dead = await deadTemp(this.dir, name);
      if (dead !== null) {
        // A temp file of a live process may be a write in progress (another window, another machine): leave it.
        if (dead) await fsp.rm(join(this.dir, name), { force: true }).catch(() => undefined);
        continue;
      }
      const m = SHARD_RE.exec(name);
      if (m) seqs.push({ seq: Number(m[1]), name });
    }
    seqs.sort((a, b) => a.seq - b.seq);
    for (const { seq, name } of seqs) {
      this.nextSeq = Math.max(this.nextSeq, seq + 1);
      const file = join(this.dir, name);
      try {
        const fh = await fsp.open(file, 'r');
        let head: Buffer;
        let fileSize: number;
        try {
          fileSize = (await fh.stat()).size;
          const prefix = Buffer.alloc(48);
          await fh.read(prefix, 0, 48, 0);
          const H = prefix.readUInt32LE(8);
          head = Buffer.alloc(Math.min(48 + H, fileSize));
          await fh.read(head, 0, head.length, 0);
        } finally {
          await fh.close();
        }
        const { header, headerLength, bodyLength } = decodeShardHeader(head);
        if (fileSize !== shardFileSize(headerLength, bodyLength)) throw new Error(`file is ${fileSize} bytes, header says ${shardFileSize(headerLength, bodyLength)}`);
        if (header.dim !== this.meta.dim || header.classes !== this.meta.classes) {
          throw new Error(`holds ${header.dim} features x ${header.classes} classes, the model has ${this.meta.dim} x ${this.meta.classes}`);
        }
        this.addShard(seq, file, header.entries, header.failures);
      } catch (e) {
        this.problems.push({ file, problem: `ignored cache shard: ${(e as Error).message}` });
        this.shards.set(seq, { seq, file, records: 0 });
      }
    }
  }

  private addShard(seq: number, file: string, entries: CacheKey[], failures: CachedFailure[]): void {
    this.shards.set(seq, { seq, file, records: entries.length + failures.length });
    this.totalRecords += entries.length + failures.length;
    entries.forEach((k, row) => this.index.set(k.rel, { seq, row, size: k.size, mtimeMs: k.mtimeMs, failure: null }));
    for (const f of failures) this.index.set(f.rel, { seq, row: -1, size: f.size, mtimeMs: f.mtimeMs, failure: { reason: f.reason, message: f.message } });
  }

  /** Every record indexed now, newest per image: with features (failure null) or a cached decode failure. */
  records(): Array<CacheKey & { failure: { reason: string; message: string } | null }> {
    return [...this.index].map(([rel, r]) => ({ rel, size: r.size, mtimeMs: r.mtimeMs, failure: r.failure }));
  }

  /** Per entry, whether the cache holds its features (Hit), a cached decode failure (Failed) or nothing (Miss), reading no shard. */
  statusOf(entries: readonly CacheKey[]): Uint8Array {
    const out = new Uint8Array(entries.length);
    entries.forEach((k, i) => {
      const rec = this.index.get(k.rel);
      if (rec && sameKey(rec, k)) out[i] = rec.failure ? LookupStatus.Failed : LookupStatus.Hit;
    });
    return out;
  }

  /** The cached size and mtime of an image by its path relative to the dataset root, if the cache lists it. */
  listed(rel: string): { size: number; mtimeMs: number } | undefined {
    const rec = this.index.get(rel);
    return rec ? { size: rec.size, mtimeMs: rec.mtimeMs } : undefined;
  }

  /** Number of shard files (including ignored ones). */
  get shardCount(): number {
    return this.shards.size;
  }

  /**
   * Looks entries up by (rel, size, mtimeMs); copies each hit's features into row i of outPooled
   * (n x dim) and outLogits (n x classes). A shard that fails verification now turns its entries into misses.
   */
  lookup(entries: CacheKey[], outPooled: Float32Array, outLogits: Float32Array, opts: { retryFailed?: boolean } = {}): Promise<LookupResult> {
    return this.lookupRows(entries, matrixSink(outPooled, outLogits, this.meta.dim, this.meta.classes), opts);
  }

  /** Like lookup, but hands the hits' rows to `sink` (one shard in memory at a time) instead of filling matrices. */
  lookupRows(entries: CacheKey[], sink: RowSink, opts: { retryFailed?: boolean } = {}): Promise<LookupResult> {
    return this.lookupWith(entries, sink, opts, { seq: -1, body: null });
  }

  private async lookupWith(entries: CacheKey[], sink: RowSink, opts: { retryFailed?: boolean }, memo: ShardMemo): Promise<LookupResult> {
    const status = new Uint8Array(entries.length);
    const failures: LookupResult['failures'] = [];
    const bySeq = new Map<number, number[]>();
    entries.forEach((k, i) => {
      const rec = this.index.get(k.rel);
      if (!rec || !sameKey(rec, k)) return;
      if (rec.failure) {
        if (opts.retryFailed) return;
        status[i] = LookupStatus.Failed;
        failures.push({ ...k, ...rec.failure, index: i });
        return;
      }
      let list = bySeq.get(rec.seq);
      if (!list) bySeq.set(rec.seq, (list = []));
      list.push(i);
    });
    let hits = 0;
    for (const [seq, list] of bySeq) {
      const body = memo.seq === seq ? memo.body : await this.readShard(seq);
      memo.seq = seq;
      memo.body = body;
      if (!body) continue;
      // Hand over runs of consecutive rows landing in consecutive entries at once (the usual case
      // after a compaction: shard order is dataset order).
      const rows = list.map((i) => this.index.get(entries[i].rel)!.row);
      for (let a = 0; a < list.length;) {
        let b = a + 1;
        while (b < list.length && list[b] === list[b - 1] + 1 && rows[b] === rows[b - 1] + 1) b++;
        sink(list[a], b - a, body, rows[a]);
        for (let k = a; k < b; k++) status[list[k]] = LookupStatus.Hit;
        hits += b - a;
        a = b;
      }
    }
    const misses: number[] = [];
    status.forEach((s, i) => { if (s === LookupStatus.Miss) misses.push(i); });
    return { status, hits, failures, misses };
  }

  private async readShard(seq: number): Promise<ShardBody | null> {
    const shard = this.shards.get(seq)!;
    try {
      return decodeShard(await readWhole(shard.file));
    } catch (e) {
      this.problems.push({ file: shard.file, problem: `ignored cache shard: ${(e as Error).message}` });
      for (const [rel, rec] of this.index) if (rec.seq === seq) this.index.delete(rel);
      return null;
    }
  }

  /** Appends one shard holding a batch's features (rows in entries order) and its failed images. */
  writeBatch(entries: CacheKey[], pooled: Float32Array, logits: Float32Array, failures: CachedFailure[] = []): Promise<void> {
    const keys = entries.map(({ rel, size, mtimeMs }) => ({ rel, size, mtimeMs }));
    const fails = failures.map(({ rel, size, mtimeMs, reason, message }) => ({ rel, size, mtimeMs, reason, message }));
    const buf = encodeShard({ dim: this.meta.dim, classes: this.meta.classes, entries: keys, failures: fails }, pooled, logits);
    return this.serial(async () => {
      const seq = await this.commit(buf);
      this.addShard(seq, join(this.dir, shardName(seq)), keys, fails);
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Writes buf durably under the next free sequence number and returns it. */
  private async commit(buf: Buffer): Promise<number> {
    const seq = await commitFile(this.dir, buf, this.nextSeq, shardName);
    this.nextSeq = seq + 1;
    return seq;
  }

  /**
   * True when, keeping only `live`, dead records exceed DEAD_FRACTION, shards exceed MAX_SHARDS beyond
   * what a compaction would write, or a shard was ignored (compaction removes it).
   */
  needsCompaction(live: CacheKey[]): boolean {
    if (this.problems.length > 0) return true;
    let alive = 0;
    for (const k of live) {
      const rec = this.index.get(k.rel);
      if (rec && sameKey(rec, k)) alive++;
    }
    if (this.shards.size > MAX_SHARDS + Math.ceil(alive / this.shardRows)) return true;
    if (this.totalRecords === 0) return false;
    return this.totalRecords - alive > DEAD_FRACTION * this.totalRecords;
  }

  /**
   * Rewrites the cache as shards of at most shardRows rows holding exactly `keep` (everything else is
   * dropped), then deletes the older shards. A kill in between leaves duplicates that the newer shards override.
   */
  compact(keep: CompactionInput): Promise<{ removedShards: number }> {
    const { dim, classes } = this.meta;
    const n = keep.entries.length;
    const R = this.shardRows;
    return this.replaceAll(async (emit) => {
      for (let s = 0; s === 0 || s < n; s += R) {
        const e = Math.min(n, s + R);
        await emit(keep.entries.slice(s, e), keep.pooled.subarray(s * dim, e * dim), keep.logits.subarray(s * classes, e * classes), e === n ? keep.failures : []);
      }
    });
  }

  /**
   * Compacts to exactly the records of `live` when needed, reading them from disk one output shard at a
   * time: memory stays at about two shards whatever the number of images.
   */
  async compactFromDisk(live: CacheKey[]): Promise<{ removedShards: number } | null> {
    if (!this.needsCompaction(live)) return null;
    const { dim, classes } = this.meta;
    const R = Math.min(this.shardRows, Math.max(1, live.length));
    const pooled = new Float32Array(R * dim);
    const logits = new Float32Array(R * classes);
    const sink = matrixSink(pooled, logits, dim, classes);
    const memo: ShardMemo = { seq: -1, body: null };
    const failures: CachedFailure[] = [];
    return this.replaceAll(async (emit) => {
      for (let s = 0; s === 0 || s < live.length; s += R) {
        const chunk = live.slice(s, s + R);
        const r = await this.lookupWith(chunk, sink, {}, memo);
        const entries: CacheKey[] = [];
        chunk.forEach((k, i) => {
          if (r.status[i] !== LookupStatus.Hit) return;
          const w = entries.length;
          if (w !== i) {
            pooled.copyWithin(w * dim, i * dim, (i + 1) * dim);
            logits.copyWithin(w * classes, i * classes, (i + 1) * classes);
          }
          entries.push(k);
        });
        for (const { index: _index, ...f } of r.failures) failures.push(f);
        const last = s + R >= live.length;
        if (entries.length > 0 || last) await emit(entries, pooled.subarray(0, entries.length * dim), logits.subarray(0, entries.length * classes), last ? failures : []);
      }
    });
  }

  /** Runs `write`, which emits the new shards in order, then drops every shard that existed before (merge uses it too). */
  replaceAll(write: (emit: (entries: CacheKey[], pooled: Float32Array, logits: Float32Array, failures: CachedFailure[]) => Promise<void>) => Promise<void>): Promise<{ removedShards: number }> {
    return this.serial(async () => {
      const old = [...this.shards.values()];
      const added: Array<{ seq: number; entries: CacheKey[]; failures: CachedFailure[] }> = [];
      await write(async (entries, pooled, logits, failures) => {
        const keys = entries.map(({ rel, size, mtimeMs }) => ({ rel, size, mtimeMs }));
        const fails = failures.map(({ rel, size, mtimeMs, reason, message }) => ({ rel, size, mtimeMs, reason, message }));
        const seq = await this.commit(encodeShard({ dim: this.meta.dim, classes: this.meta.classes, entries: keys, failures: fails }, pooled, logits));
        added.push({ seq, entries: keys, failures: fails });
      });
      for (const s of old) await fsp.rm(s.file, { force: true }).catch(() => undefined);
      await syncDir(this.dir);
      this.shards.clear();
      this.index.clear();
      this.totalRecords = 0;
      this.problems.length = 0;
      for (const a of added) this.addShard(a.seq, join(this.dir, shardName(a.seq)), a.entries, a.failures);
      return { removedShards: old.length };
    });
  }
}
