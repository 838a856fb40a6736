// Which images a `--shard I/N` run extracts: a stable hash of each image's relative path, so the split does not
// depend on the order or number of other files (adding images never moves an existing one to another shard), and any
// tool can recompute it: int.from_bytes(sha256(rel.encode('utf-8')).digest()[:6], 'big') % N == I.
import { createHash } from 'node:crypto';

/** One shard of a sharded extraction: `index` in 0..count-1. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** Largest shard count accepted (a 48-bit hash keeps shards even far beyond it). */
export const MAX_SHARD_COUNT = 1_000_000;

/** Parses "I/N" (0-based index, as Kubernetes' JOB_COMPLETION_INDEX and Dask's range(N)); throws saying what is valid. */
export function parseShardSpec(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new Error(`--shard "${text}" is not of the form I/N (e.g. 0/4: the first of four shards)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARD_COUNT) throw new Error(`--shard ${text}: the shard count must be 1..${MAX_SHARD_COUNT}, got ${count}`);
  if (index >= count) throw new Error(`--shard ${text}: the shard index is 0-based, so it must be 0..${count - 1}`);
  return { index, count };
}

/** The shard (0..count-1) an image with this relative path belongs to. */
export function shardOf(rel: string, count: number): number {
  const h = createHash('sha256').update(rel, 'utf8').digest();
  // 48 bits: exact in a double, and the modulo bias is below 2^-28 for any count up to MAX_SHARD_COUNT
  return h.readUIntBE(0, 6) % count;
}

/** The items (images or cache keys) of shard `spec`, in their original order. */
export function selectShard<T extends { rel: string }>(items: readonly T[], spec: ShardSpec): T[] {
  if (spec.count === 1) return items.slice();
  return items.filter((e) => shardOf(e.rel, spec.count) === spec.index);
}
