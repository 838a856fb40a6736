// rank / gap / tune / annotations as a user runs them, on a small demo benchmark with the bundled model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliRunner, demoFixture } from './helpers/cli';

const { root, data } = demoFixture('cli-analysis');

const cli = cliRunner('--threads', '1');

test('gap before any label: no mean, --max-gap exits 2 and says why', () => {
  const r = cli('gap', data, '--json', '--max-gap', '10');
  assert.equal(r.code, 2, r.stderr);
  const g = JSON.parse(r.stdout);
  assert.equal(g.schema, 'spuriosity-lens/gap@1');
  assert.equal(g.meanGap, null);
  assert.match(r.stderr, /no class has a spurious feature labeled/);
});

test('from-probes writes the annotation file; rank and gap read it; --max-gap gates on the mean', () => {
  const a = cli('annotations', 'from-probes', data);
  assert.equal(a.code, 0, a.stderr);
  const file = /wrote (\S+\.json)/.exec(a.stdout)?.[1];
  assert.ok(file && existsSync(file), a.stdout);
  const ann = JSON.parse(readFileSync(file, 'utf8'));
  const labels = Object.values(ann.labels).flatMap((f) => Object.values(f as Record<string, { label: string }>));
  assert.equal(labels.length, 50, '5 top features x 10 classes labeled');

  const rank = JSON.parse(cli('rank', data, '--json', '--show', '2').stdout);
  assert.equal(rank.schema, 'spuriosity-lens/rank@1');
  assert.equal(rank.classes.length, 10);
  const ranked = rank.classes.filter((c: { ranking: unknown }) => c.ranking);
  assert.ok(ranked.length > 0);
  for (const c of ranked) {
    assert.equal(c.ranking.val.lowest.length, 2);
    assert.ok(c.ranking.val.lowest[0].spuriosity <= c.ranking.val.highest[0].spuriosity);
  }

  const g = JSON.parse(cli('gap', data, '--json').stdout);
  assert.ok(g.meanGap && typeof g.meanGap.value === 'number');
  assert.ok(g.meanGap.lo <= g.meanGap.value && g.meanGap.value <= g.meanGap.hi);
  // the mean's verdict by the per-class rule: a finding only when its interval excludes 0
  assert.equal(g.meanGap.significance, g.meanGap.lo > 0 ? 'positive' : g.meanGap.hi < 0 ? 'negative' : 'not-significant');
  assert.match(cli('gap', data).stdout, new RegExp(`Mean gap: .*\\), ${g.meanGap.significance === 'not-significant' ? 'not significant' : g.meanGap.significance} \\(interval`));
  assert.equal(g.classes.length + g.excluded.length + g.unranked.length, 10);
  const over = cli('gap', data, '--max-gap', String(g.meanGap.value - 0.01));
  assert.equal(over.code, 3, over.stderr);
  assert.match(over.stderr, /exceeds --max-gap/);
  assert.equal(cli('gap', data, '--max-gap', String(g.meanGap.value)).code, 0);
});

test('annotations export then import round-trips through the Salient ImageNet votes format', () => {
  const csv = join(root, 'votes.csv');
  assert.equal(cli('annotations', 'export', data, '--out', csv).code, 0);
  const lines = readFileSync(csv, 'utf8').trim().split(/\r?\n/);
  assert.match(lines[0], /^WorkerId,Input\.wordnet_id,Input\.class_index,Input\.feature_index/);
  assert.equal(lines.length - 1, 50 * 5, 'five votes per labeled pair');
  const before = JSON.parse(cli('rank', data, '--json').stdout);
  const imp = cli('annotations', 'import', data, '--votes', csv);
  assert.equal(imp.code, 0, imp.stderr);
  assert.match(imp.stdout, /imported 50 pair/);
  const afterRank = JSON.parse(cli('rank', data, '--json').stdout);
  const labelsOf = (r: { classes: Array<{ topFeatures: Array<{ label: string | null }> }> }) => r.classes.map((c) => c.topFeatures.map((f) => f.label));
  assert.deepEqual(labelsOf(afterRank), labelsOf(before));
});

test('tune --json reports before/after per method and --out writes a head and a model', () => {
  const out = join(root, 'tuned');
  const r = cli('tune', data, '--method', 'low', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const t = JSON.parse(r.stdout);
  assert.equal(t.schema, 'spuriosity-lens/tune@1');
  assert.equal(t.methods[0].method, 'low-spuriosity', "'low' is accepted and written as the one name");
  assert.ok(t.methods[0].history.length >= 1);
  for (const f of ['head-low-spuriosity.json', 'head-low-spuriosity.weight.npy', 'head-low-spuriosity.bias.npy', 'model-low-spuriosity.onnx']) assert.ok(existsSync(join(out, f)), f);
  const head = JSON.parse(readFileSync(join(out, 'head-low-spuriosity.json'), 'utf8'));
  assert.equal(head.weight.length, head.classes);
  assert.equal(head.method, 'low-spuriosity');
  assert.equal(head.weight[0].length, head.dim);
  // the exported model must load and adapt like any model (its logits = tuned head: test/engine/modelSwapHead.test.ts)
  const ex = cli('extract', data, '--model', join(out, 'model-low-spuriosity.onnx'), '--cache', join(root, 'cache2'), '--json');
  assert.equal(ex.code, 0, ex.stderr);
});
