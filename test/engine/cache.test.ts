import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync, readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FeatureCache, LookupStatus, MAX_SHARDS } from '../../src/engine/cache/featureCache';
import { fromFloat16Bits, toFloat16Bits } from '../../src/engine/cache/float16';

const SHA = 'ab'.repeat(32);
const D = 5;
const C = 3;
const meta = { sha256: SHA, dim: D, classes: C };
const key = (i: number, mtimeMs = 1000) => ({ rel: `cls/img${i}.png`, size: 100 + i, mtimeMs });
const featOf = (i: number) => Float32Array.from({ length: D }, (_, d) => i * 10 + d + 0.123);
const logitOf = (i: number) => Float32Array.from({ length: C }, (_, c) => i - c * 0.5);
const rows = (ids: number[], f: (i: number) => Float32Array) => {
  const out = new Float32Array(ids.length * f(0).length);
  ids.forEach((id, j) => out.set(f(id), j * f(0).length));
  return out;
};
const root = () => mkdtempSync(join(tmpdir(), 'spl-cache-'));
const q16 = (x: number) => fromFloat16Bits(toFloat16Bits(x));

async function lookupAll(cache: FeatureCache, keys: ReturnType<typeof key>[]) {
  const pooled = new Float32Array(keys.length * D);
  const logits = new Float32Array(keys.length * C);
  return { r: await cache.lookup(keys, pooled, logits), pooled, logits };
}

test('cache: written batches are hits with float16 features and exact float32 logits; changed or unknown keys are misses', async () => {
  const dir = root();
  const cache = await FeatureCache.open(dir, meta);
  await cache.writeBatch([key(0), key(1)], rows([0, 1], featOf), rows([0, 1], logitOf));
  await cache.writeBatch([key(2)], rows([2], featOf), rows([2], logitOf), [{ ...key(3), reason: 'corrupt', message: 'x.png: bad' }]);

  const reopened = await FeatureCache.open(dir, meta);
  assert.deepEqual(reopened.problems, []);
  const keys = [key(2), key(1, 2000), key(0), key(3), key(9)];
  const { r, pooled, logits } = await lookupAll(reopened, keys);
  assert.deepEqual([...r.status], [LookupStatus.Hit, LookupStatus.Miss, LookupStatus.Hit, LookupStatus.Failed, LookupStatus.Miss]);
  assert.deepEqual(r.misses, [1, 4]);
  assert.equal(r.hits, 2);
  assert.deepEqual(r.failures.map((f) => [f.index, f.reason, f.message]), [[3, 'corrupt', 'x.png: bad']]);
  assert.deepEqual([...pooled.subarray(0, D)], [...featOf(2)].map(q16));
  assert.deepEqual([...pooled.subarray(2 * D, 3 * D)], [...featOf(0)].map(q16));
  assert.deepEqual([...logits.subarray(0, C)], [...logitOf(2)]);
  // retryFailed turns cached failures into misses.
  const again = await reopened.lookup([key(3)], new Float32Array(D), new Float32Array(C), { retryFailed: true });
  assert.deepEqual(again.misses, [0]);
});

test('cache: a newer record of the same image overrides the older one', async () => {
  const dir = root();
  const cache = await FeatureCache.open(dir, meta);
  await cache.writeBatch([key(0)], featOf(0), logitOf(0));
  await cache.writeBatch([key(0, 5000)], featOf(7), logitOf(7));
  const reopened = await FeatureCache.open(dir, meta);
  const { r, pooled } = await lookupAll(reopened, [key(0, 5000)]);
  assert.equal(r.hits, 1);
  assert.deepEqual([...pooled], [...featOf(7)].map(q16));
  assert.equal((await lookupAll(reopened, [key(0)])).r.hits, 0);
});

test('cache: values beyond the float16 range are stored as float32', async () => {
  const cache = await FeatureCache.open(root(), meta);
  const big = Float32Array.from([1e6, -3.3, 0.1, 7e4, 1]);
  await cache.writeBatch([key(0)], big, logitOf(0));
  const { pooled } = await lookupAll(cache, [key(0)]);
  assert.deepEqual([...pooled], [...big]);
});

test('cache: dead temp files are removed, a corrupt or truncated shard is ignored and reported, others still load', async () => {
  const dir = root();
  const cache = await FeatureCache.open(dir, meta);
  await cache.writeBatch([key(0)], featOf(0), logitOf(0));
  await cache.writeBatch([key(1)], featOf(1), logitOf(1));
  await cache.writeBatch([key(2)], featOf(2), logitOf(2));
  const modelDir = join(dir, SHA);
  const shards = readdirSync(modelDir).filter((f) => f.startsWith('shard-')).sort();
  assert.equal(shards.length, 3);
  // Flip one body byte of the second shard, truncate the third, leave a dead process's temp file.
  const second = readFileSync(join(modelDir, shards[1]));
  second[second.length - 1] ^= 0xff;
  writeFileSync(join(modelDir, shards[1]), second);
  const third = readFileSync(join(modelDir, shards[2]));
  writeFileSync(join(modelDir, shards[2]), third.subarray(0, third.length - 7));
  writeFileSync(join(modelDir, 'tmp-999999999-1-0'), Buffer.from('partial'));

  const reopened = await FeatureCache.open(dir, meta);
  assert.ok(!readdirSync(modelDir).some((f) => f.startsWith('tmp-')));
  assert.equal(reopened.problems.length, 1, 'the truncated shard is caught from its header');
  const { r } = await lookupAll(reopened, [key(0), key(1), key(2)]);
  assert.deepEqual([...r.status], [LookupStatus.Hit, LookupStatus.Miss, LookupStatus.Miss]);
  assert.equal(reopened.problems.length, 2, 'the checksum failure is reported at read time');
  assert.match(reopened.problems[1].problem, /checksum/);
  assert.ok(reopened.needsCompaction([key(0)]));
});

test('cache: shards written with another feature size are ignored', async () => {
  const dir = root();
  const cache = await FeatureCache.open(dir, meta);
  await cache.writeBatch([key(0)], featOf(0), logitOf(0));
  const other = await FeatureCache.open(dir, { ...meta, dim: D + 1 });
  assert.equal(other.problems.length, 1);
  assert.match(other.problems[0].problem, /6 x 3/);
});

test('cache: compaction keeps exactly the live records in one shard', async () => {
  const dir = root();
  const cache = await FeatureCache.open(dir, meta);
  for (let i = 0; i < MAX_SHARDS + 2; i++) await cache.writeBatch([key(i)], featOf(i), logitOf(i));
  const live = Array.from({ length: MAX_SHARDS + 2 }, (_, i) => key(i)).filter((_, i) => i % 2 === 0);
  assert.ok(cache.needsCompaction(live));
  const res = await cache.compactFromDisk(live);
  assert.equal(res?.removedShards, MAX_SHARDS + 2);
  assert.equal(readdirSync(join(dir, SHA)).filter((f) => f.startsWith('shard-')).length, 1);
  const reopened = await FeatureCache.open(dir, meta);
  assert.equal(reopened.shardCount, 1);
  assert.equal(reopened.needsCompaction(live), false);
  const { r, pooled } = await lookupAll(reopened, [...live, key(1)]);
  assert.equal(r.hits, live.length);
  assert.deepEqual(r.misses, [live.length]);
  assert.deepEqual([...pooled.subarray(D, 2 * D)], [...featOf(2)].map(q16));
});

test('cache: dead fraction above 30% triggers compaction, below does not', async () => {
  const cache = await FeatureCache.open(root(), meta);
  const ids = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  await cache.writeBatch(ids.map((i) => key(i)), rows(ids, featOf), rows(ids, logitOf));
  assert.equal(cache.needsCompaction(ids.slice(0, 7).map((i) => key(i))), false);
  assert.equal(cache.needsCompaction(ids.slice(0, 6).map((i) => key(i))), true);
  assert.equal(cache.needsCompaction(ids.map((i) => key(i, 77))), true, 'changed mtimes make records dead');
});

test('cache: a non-hex model id is refused with a clear message', async () => {
  const dir = root();
  mkdirSync(join(dir, 'x'), { recursive: true });
  await assert.rejects(FeatureCache.open(dir, { ...meta, sha256: '../x' }), /not a hex digest/);
});

test('cache: compaction writes shards of at most shardRows rows, from disk or from memory, and lookups see the same rows', async () => {
  const dir = root();
  const cache = await FeatureCache.open(dir, meta, { shardRows: 3 });
  const ids = Array.from({ length: 11 }, (_, i) => i);
  for (let i = 11; i < 20; i++) await cache.writeBatch([key(i)], featOf(i), logitOf(i));
  for (const i of ids) await cache.writeBatch([key(i)], featOf(i), logitOf(i), i === 10 ? [{ ...key(99), reason: 'corrupt', message: 'bad' }] : []);
  const live = [...ids.filter((i) => i !== 4).map((i) => key(i)), key(99)];
  const before = await lookupAll(cache, live);
  assert.ok(cache.needsCompaction(live), 'half the records are dead');
  assert.ok(await cache.compactFromDisk(live));
  const modelDir = join(dir, SHA);
  assert.equal(readdirSync(modelDir).filter((f) => f.startsWith('shard-')).length, 4, '10 live rows in shards of 3');
  const reopened = await FeatureCache.open(dir, meta, { shardRows: 3 });
  assert.equal(reopened.needsCompaction(live), false, 'a compacted cache of several full shards is not compacted again');
  const after = await lookupAll(reopened, live);
  assert.deepEqual([...after.r.status], [...before.r.status]);
  assert.deepEqual(after.pooled, before.pooled);
  assert.deepEqual(after.logits, before.logits);
  assert.deepEqual(after.r.failures.map((f) => f.rel), [key(99).rel], 'cached failures survive');

  // From memory: the same rows, chunked the same way.
  const packed = live.slice(0, 10);
  assert.equal((await reopened.compact({ entries: packed, pooled: after.pooled.subarray(0, 10 * D), logits: after.logits.subarray(0, 10 * C), failures: [] })).removedShards, 4);
  assert.equal(readdirSync(modelDir).filter((f) => f.startsWith('shard-')).length, 4);
  const again = await lookupAll(await FeatureCache.open(dir, meta), packed);
  assert.equal(again.r.hits, 10);
  assert.deepEqual(again.pooled, after.pooled.subarray(0, 10 * D));
});

test('cache: lookupRows hands rows to a sink in runs, without filling matrices', async () => {
  const cache = await FeatureCache.open(root(), meta);
  await cache.writeBatch([key(0), key(1), key(2)], rows([0, 1, 2], featOf), rows([0, 1, 2], logitOf));
  const runs: Array<[number, number, number]> = [];
  const r = await cache.lookupRows([key(9), key(1), key(2), key(0)], (first, count, _body, row) => runs.push([first, count, row]));
  assert.equal(r.hits, 3);
  assert.deepEqual(runs, [[1, 2, 1], [3, 1, 0]]);
});
