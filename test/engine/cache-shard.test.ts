import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseShardSpec, selectShard, shardOf } from '../../src/engine/cache/shardSelect';

const paths = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ({ rel: `c${(from + i) % 7}/img_${from + i}.png` }));

test('shard spec: I/N is 0-based; malformed, zero and out-of-range specs are refused saying what is valid', () => {
  assert.deepEqual(parseShardSpec('0/4'), { index: 0, count: 4 });
  assert.deepEqual(parseShardSpec(' 3 / 4 '), { index: 3, count: 4 });
  assert.throws(() => parseShardSpec('4/4'), /0-based, so it must be 0\.\.3/);
  assert.throws(() => parseShardSpec('1/0'), /shard count must be 1\.\./);
  assert.throws(() => parseShardSpec('1-4'), /not of the form I\/N/);
  assert.throws(() => parseShardSpec('-1/4'), /not of the form I\/N/);
});

test('shards partition the images, are balanced, keep dataset order, and do not move when files are added', () => {
  const all = paths(0, 2000);
  const shards = [0, 1, 2, 3].map((index) => selectShard(all, { index, count: 4 }));
  assert.equal(shards.reduce((s, x) => s + x.length, 0), all.length);
  assert.equal(new Set(shards.flat().map((e) => e.rel)).size, all.length);
  for (const s of shards) assert.ok(s.length > 400 && s.length < 600, `shard of ${s.length} images out of 2000 is unbalanced`);
  const order = new Map(all.map((e, i) => [e.rel, i]));
  for (const s of shards) assert.ok(s.every((e, i) => i === 0 || order.get(e.rel)! > order.get(s[i - 1].rel)!));
  // adding 500 files (interleaved by name) leaves every existing image in its shard
  const grown = [...all, ...paths(2000, 2500)].sort((a, b) => a.rel.localeCompare(b.rel));
  for (let index = 0; index < 4; index++) {
    const before = new Set(shards[index].map((e) => e.rel));
    const after = selectShard(grown, { index, count: 4 }).filter((e) => order.has(e.rel));
    assert.deepEqual(after.map((e) => e.rel).sort(), [...before].sort());
  }
  assert.deepEqual(selectShard(all, { index: 0, count: 1 }), all);
});

test('shard of a path matches the documented formula as Python computes it', { skip: !existsSync('/usr/bin/python3') && 'no /usr/bin/python3' }, () => {
  const rels = ['a/b.png', 'train/0-zero/00017.png', 'ünïcode/名前.jpg', 'x'];
  const py = spawnSync('/usr/bin/python3', ['-c',
    'import hashlib,json,sys\nfor r in json.loads(sys.argv[1]): print(int.from_bytes(hashlib.sha256(r.encode("utf-8")).digest()[:6], "big") % 7)',
    JSON.stringify(rels)], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  assert.deepEqual(py.stdout.trim().split('\n').map(Number), rels.map((r) => shardOf(r, 7)));
});
