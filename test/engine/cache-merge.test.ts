import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, utimesSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FeatureCache, LookupStatus } from '../../src/engine/cache/featureCache';
import { HOST_TAG } from '../../src/engine/cache/atomicFile';
import { mergeCaches } from '../../src/engine/cache/mergeCaches';

const SHA = 'cd'.repeat(32);
const D = 4;
const C = 3;
const meta = { sha256: SHA, dim: D, classes: C };
const key = (i: number, mtimeMs = 1000) => ({ rel: `cls${i % 3}/img${String(i).padStart(3, '0')}.png`, size: 100 + i, mtimeMs });
// values exact in float16, and one row far beyond its range (stored as float32)
const featOf = (i: number) => Float32Array.from({ length: D }, (_, d) => (i === 7 ? 1e6 : i * 4 + d + 0.25));
const logitOf = (i: number) => Float32Array.from({ length: C }, (_, c) => i / 3 - c * 0.1);
const root = () => mkdtempSync(join(tmpdir(), 'spl-merge-'));
const fail = (i: number) => ({ ...key(i), reason: 'corrupt', message: `img${i}: bad` });

async function write(dir: string, ids: number[], failures: number[] = [], mtimeMs = 1000, featureOf = featOf) {
  const cache = await FeatureCache.open(dir, meta);
  for (const id of ids) await cache.writeBatch([key(id, mtimeMs)], featureOf(id), logitOf(id)); // one shard per image, as small batches leave
  if (failures.length) await cache.writeBatch([], new Float32Array(0), new Float32Array(0), failures.map(fail));
}

async function read(dir: string, keys: ReturnType<typeof key>[]) {
  const cache = await FeatureCache.open(dir, meta);
  const pooled = new Float32Array(keys.length * D);
  const logits = new Float32Array(keys.length * C);
  const r = await cache.lookup(keys, pooled, logits);
  return { status: [...r.status], pooled: [...pooled], logits: [...logits], failures: r.failures.map((f) => [f.rel, f.reason, f.message]), shards: cache.shardCount };
}

test('merge: shard caches combine into one compacted cache equal to a cache holding every record; sources are left as they were', async () => {
  const a = root(), b = root(), dest = join(root(), 'merged');
  await write(a, [0, 2, 4, 6, 8], [9]);
  await write(b, [1, 3, 5, 7]);
  const whole = root();
  await write(whole, [0, 1, 2, 3, 4, 5, 6, 7, 8], [9]);
  const before = [readdirSync(join(a, SHA)).sort(), readdirSync(join(b, SHA)).sort()];
  const report = await mergeCaches(dest, [a, b]);
  assert.deepEqual(report.problems, []);
  assert.equal(report.models.length, 1);
  assert.deepEqual({ ...report.models[0] }, { sha256: SHA, dim: D, classes: C, rows: 9, failures: 1, taken: [0, 6, 4], conflicts: 0, dropped: 0 });
  const keys = Array.from({ length: 11 }, (_, i) => key(i));
  const merged = await read(dest, keys);
  const expected = await read(whole, keys);
  assert.deepEqual({ ...merged, shards: 0 }, { ...expected, shards: 0 });
  assert.equal(merged.status[10], LookupStatus.Miss);
  assert.equal(merged.pooled[7 * D], 1e6, 'a float32 row keeps its value');
  assert.equal(merged.shards, 1, 'one compacted shard');
  assert.deepEqual([readdirSync(join(a, SHA)).sort(), readdirSync(join(b, SHA)).sort()], before);
});

test('merge: the newer file version wins a conflict, features beat a cached failure of the same file, the destination takes part', async () => {
  const dest = root(), a = root();
  await write(dest, [0, 1], [2]);
  await write(a, [1], [], 5000, (i) => featOf(i + 50)); // img1 changed on disk later: newer mtime
  await write(a, [2]); // img2 unchanged and decoded on a retry: features now
  const report = await mergeCaches(dest, [a]);
  assert.equal(report.models[0].conflicts, 1);
  assert.deepEqual(report.models[0].taken, [1, 2]);
  const r = await read(dest, [key(0), key(1, 5000), key(2), key(1)]);
  assert.deepEqual(r.status, [LookupStatus.Hit, LookupStatus.Hit, LookupStatus.Hit, LookupStatus.Miss]);
  assert.deepEqual(r.pooled.slice(D, 2 * D), [...featOf(51)]);
  assert.equal(r.shards, 1, "the destination's old shards are gone");
});

test('merge --dataset: only records of the current images stay, in dataset order; a changed file is dropped', async () => {
  const a = root(), dest = root();
  await write(a, [0, 1, 2, 3]);
  const keep = [key(3), key(0), key(2, 9999), key(5)];
  const report = await mergeCaches(dest, [a], { keep, shardRows: 1 });
  assert.equal(report.models[0].rows, 2);
  assert.equal(report.models[0].dropped, 2);
  const cache = await FeatureCache.open(dest, meta);
  assert.deepEqual(cache.records().map((r) => r.rel), [key(3).rel, key(0).rel]);
  assert.equal(cache.shardCount, 2, 'shardRows rows per shard');
});

test('merge: one model with different shapes in two roots is refused naming both; a missing source is refused', async () => {
  const a = root(), b = root();
  await write(a, [0]);
  const other = await FeatureCache.open(b, { ...meta, dim: D + 1 });
  await other.writeBatch([key(0)], new Float32Array(D + 1), logitOf(0));
  await assert.rejects(mergeCaches(root(), [a, b]), (e: Error) => e.message.includes(`${D} features x ${C} classes in`) && e.message.includes(b));
  await assert.rejects(mergeCaches(root(), [join(a, 'nope')]), /is not a folder/);
});

test('shared cache folder: concurrent writers never collide on a shard name, and readers see every record', async () => {
  const dir = root();
  const [w1, w2] = await Promise.all([FeatureCache.open(dir, meta), FeatureCache.open(dir, meta)]);
  await Promise.all([
    ...[0, 2, 4, 6].map((i) => w1.writeBatch([key(i)], featOf(i), logitOf(i))),
    ...[1, 3, 5].map((i) => w2.writeBatch([key(i)], featOf(i), logitOf(i))),
  ]);
  const r = await read(dir, Array.from({ length: 7 }, (_, i) => key(i)));
  assert.ok(r.status.every((s) => s === LookupStatus.Hit));
  assert.equal(readdirSync(join(dir, SHA)).filter((n) => n.startsWith('shard-')).length, 7);
});

test("shared cache folder: another host's fresh temp file is left alone, its day-old one and our dead one are removed", async () => {
  const dir = root();
  await write(dir, [0]);
  const mdir = join(dir, SHA);
  const foreignFresh = `tmp-1-hOtherMachine7-${Date.now()}-0`;
  const foreignOld = `tmp-2-hOtherMachine7-${Date.now()}-1`;
  const oursDead = `tmp-999999999-${HOST_TAG}-${Date.now()}-2`;
  const legacyDead = `tmp-999999998-${Date.now()}-3`;
  for (const n of [foreignFresh, foreignOld, oursDead, legacyDead]) writeFileSync(join(mdir, n), 'partial');
  const dayAgo = (Date.now() - 25 * 3600 * 1000) / 1000;
  utimesSync(join(mdir, foreignOld), dayAgo, dayAgo);
  await FeatureCache.open(dir, meta);
  assert.deepEqual([foreignFresh, foreignOld, oursDead, legacyDead].map((n) => existsSync(join(mdir, n))), [true, false, false, false]);
});
