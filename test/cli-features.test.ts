// `spuriosity features export|import` as a user runs them on the demo: export, import into a fresh cache, rank from it;
// a store DuckDB wrote; bad rows named by file and row with --strict's exit code; a run that imports nothing fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { cliRunner, demoFixture } from './helpers/cli';

const { root, data } = demoFixture('cli-features');
const cli = cliRunner('--threads', '1');
const cliNoThreads = cliRunner();

async function duck(sql: string): Promise<void> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try { await c.run(sql); } finally { c.closeSync(); }
}

test('export -> import into a fresh cache -> rank gives the same report as the original cache', () => {
  const out = join(root, 'demo.parquet');
  const ex = cli('features', 'export', data, '--out', out, '--json');
  assert.equal(ex.code, 0, ex.stderr);
  const r = JSON.parse(ex.stdout);
  assert.equal(r.schema, 'spuriosity-lens/features-export@1');
  assert.equal(r.rows, 300);
  assert.equal(r.dtype, 'float16');
  const fresh = join(root, 'fresh-cache');
  const im = cliNoThreads('features', 'import', data, out, '--cache', fresh, '--json', '--strict');
  assert.equal(im.code, 0, im.stderr);
  const rep = JSON.parse(im.stdout);
  assert.equal(rep.imported, 300);
  assert.equal(rep.problemCount, 0);
  const before = JSON.parse(cli('rank', data, '--json', '--bootstrap', '0').stdout);
  const after = cli('rank', data, '--json', '--bootstrap', '0', '--cache', fresh);
  assert.equal(after.code, 0, after.stderr);
  assert.deepEqual(JSON.parse(after.stdout), before);
  // nothing was extracted: every image came from the imported cache
  const ext = JSON.parse(cli('extract', data, '--cache', fresh, '--json').stdout);
  assert.deepEqual({ hits: ext.cache.hits, computed: ext.cache.computed }, { hits: 300, computed: 0 });
});

test('a DuckDB-written store with bad rows: good rows imported, each bad row named by file and row, --strict exits 2', async () => {
  const out = join(root, 'demo32.parquet');
  assert.equal(cli('features', 'export', data, '--out', out, '--dtype', 'float32', '--no-logits').code, 0);
  const theirs = join(root, 'theirs.parquet');
  await duck(`COPY (SELECT path, class, CASE WHEN row_number() OVER (ORDER BY path) = 5 THEN list_transform(features, x -> 'nan'::FLOAT) ELSE features END AS features
    FROM '${out}' UNION ALL SELECT 'train/0/not-there.png', '0', list_transform(range(80), x -> 0.5::FLOAT)) TO '${theirs}' (FORMAT parquet)`);
  const im = cliNoThreads('features', 'import', data, theirs, '--cache', join(root, 'c2'), '--strict');
  assert.equal(im.code, 2, im.stderr);
  assert.match(im.stdout, /299 imported, 2 rejected; logits computed from the model's head/);
  assert.match(im.stdout, /theirs\.parquet row 4 \([^)]+\): features\[0\] is NaN/);
  assert.match(im.stdout, /theirs\.parquet row 300 \(train\/0\/not-there\.png\): path is not an image of the dataset/);
  assert.match(im.stdout, /1 image\(s\) of the dataset have no row in any store/);
});

test('a store with nothing importable fails and says why', async () => {
  const bad = join(root, 'nothing.parquet');
  await duck(`COPY (SELECT 'a.png' AS path, [1.0, 2.0] AS embedding) TO '${bad}' (FORMAT parquet)`);
  const im = cliNoThreads('features', 'import', data, bad, '--cache', join(root, 'c3'));
  assert.equal(im.code, 1);
  assert.match(im.stderr, /no row was imported from 1 file\(s\); first problem: .*nothing\.parquet: has no "features" column \(columns: path, embedding\)/);
});
