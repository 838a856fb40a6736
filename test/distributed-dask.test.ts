// The Dask job of scripts/distributed on a LocalCluster with 2 workers: its merged cache must equal a
// single-process extraction's row for row (features, logits, cached failures), with one task failing once and retried.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cliRunner } from './helpers/cli';
import { FeatureCache, LookupStatus } from '../src/engine/cache/featureCache';
import { discoverDataset } from '../src/engine/dataset/discover';
import { withoutSkippedUnder } from '../src/engine/dataset/withoutFolder';
import { generateDemoDataset } from '../scripts/demo/generate-dataset.mjs';

const PY = '/usr/bin/python3';
const JOB = join(__dirname, '..', 'scripts', 'distributed', 'dask_extract.py');
const MAIN = join(__dirname, '..', 'src', 'cli', 'main.ts');
const probe = existsSync(PY) ? spawnSync(PY, ['-c', 'import dask.distributed'], { encoding: 'utf8' }) : null;
const skip = probe?.status === 0 ? false : `${PY} lacks dask.distributed (apt-get install python3-dask python3-distributed; CI installs them)`;
const cli = cliRunner('--threads', '1');

async function rowsOf(cacheRoot: string, sha: string, dim: number, classes: number, keys: Array<{ rel: string; size: number; mtimeMs: number }>) {
  const cache = await FeatureCache.open(cacheRoot, { sha256: sha, dim, classes });
  const pooled = new Float32Array(keys.length * dim);
  const logits = new Float32Array(keys.length * classes);
  const r = await cache.lookup(keys, pooled, logits);
  return { status: [...r.status], failures: r.failures.map((f) => [f.index, f.reason]), pooled, logits, problems: cache.problems };
}

test('dask: 2 shards on a 2-worker LocalCluster, one task retried, merge into a cache equal to a single run row for row', { skip, timeout: 240_000 }, async () => {
  const root = join(__dirname, '.fixtures', `dask-${process.pid}`);
  after(() => rmSync(root, { recursive: true, force: true }));
  const data = join(root, 'data');
  await generateDemoDataset({ out: data, seed: 5, trainPerClass: 4, valPerClass: 2, probesPerClass: 0 });
  writeFileSync(join(data, 'train', '3-three', 'broken.png'), ''); // a failure to carry through the shards
  const single = cli('extract', data, '--cache', join(root, 'single'), '--json');
  assert.equal(single.code, 0, single.stderr);
  const singleReport = JSON.parse(single.stdout);

  // the CLI from the sources, failing the first attempt of shard 1 so that Dask's retry is exercised
  const mark = join(root, 'shard1-failed-once');
  const wrapper = join(root, 'cli.sh');
  mkdirSync(root, { recursive: true });
  writeFileSync(wrapper, `#!/bin/sh\ncase " $* " in *" --shard 1/2 "*) if [ ! -e '${mark}' ]; then : > '${mark}'; echo 'injected failure' >&2; exit 3; fi;; esac\n` +
    `exec '${process.execPath}' --import tsx '${MAIN}' "$@"\n`);
  const job = spawnSync(PY, [JOB, data, '--shards', '2', '--workers', '2', '--retries', '2', '--work', join(root, 'work'),
    '--dest', join(root, 'merged'), '--cli', `sh ${wrapper}`], { encoding: 'utf8', cwd: join(__dirname, '..') });
  assert.equal(job.status, 0, job.stderr);
  assert.ok(existsSync(mark), 'shard 1 failed once and was retried');
  const out = JSON.parse(job.stdout);
  assert.equal(out.shards.length, 2);
  const total = out.shards.reduce((s: number, x: { images: number }) => s + x.images, 0);
  assert.equal(total, singleReport.counts.discovered);
  assert.ok(out.shards.every((s: { images: number }) => s.images > 0));

  const { sha256, dim, classes } = singleReport.model;
  const keys = withoutSkippedUnder(await discoverDataset(data), join(data, '.spuriosity')).images;
  const a = await rowsOf(join(root, 'single'), sha256, dim, classes, keys);
  const b = await rowsOf(join(root, 'merged'), sha256, dim, classes, keys);
  assert.deepEqual(b.problems, []);
  assert.deepEqual(b.status, a.status);
  assert.equal(a.status.filter((s) => s === LookupStatus.Failed).length, 1);
  assert.deepEqual(b.failures, a.failures);
  for (let i = 0; i < keys.length; i++) {
    assert.deepEqual(b.pooled.subarray(i * dim, (i + 1) * dim), a.pooled.subarray(i * dim, (i + 1) * dim), `features of ${keys[i].rel}`);
    assert.deepEqual(b.logits.subarray(i * classes, (i + 1) * classes), a.logits.subarray(i * classes, (i + 1) * classes), `logits of ${keys[i].rel}`);
  }
  // the merged cache is what `rank` reads: no image is extracted again
  const again = cli('extract', data, '--cache', join(root, 'merged'), '--json');
  assert.equal(again.code, 0, again.stderr);
  assert.equal(JSON.parse(again.stdout).cache.computed, 0);
});

test('extract --shard refuses an index outside 0..N-1', () => {
  const r = cli('extract', '/nonexistent', '--shard', '2/2');
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /0-based, so it must be 0\.\.1/);
});
