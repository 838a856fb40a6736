// `--exclude-reviewed` on the analysis commands: images the review file excludes leave the rankings and the gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliRunner, demoFixture } from './helpers/cli';

const { data } = demoFixture('cli-review', undefined, (d) => {
  const r = cliRunner('--threads', '1')('annotations', 'from-probes', d);
  if (r.code !== 0) throw new Error(r.stderr);
});
const cli = cliRunner('--threads', '1');
const reviewFile = () => join(data, '.spuriosity', 'review.json');
const writeReview = (images: Record<string, unknown>) => {
  mkdirSync(join(data, '.spuriosity'), { recursive: true });
  writeFileSync(reviewFile(), `${JSON.stringify({ version: 1, dataset: data, images }, null, 2)}\n`);
};

interface RankClass { name: string; ranking: null | { val: { images: number; highest: Array<{ image: string }> } } }

test('--exclude-reviewed: the excluded image leaves its ranking and the gap, and the JSON counts it', () => {
  const rank = JSON.parse(cli('rank', data, '--json', '--show', '3').stdout);
  const cls = (rank.classes as RankClass[]).find((c) => c.ranking && c.ranking.val.images >= 4)!;
  assert.ok(cls, 'a ranked class');
  const top = cls.ranking!.val.highest[0].image;
  writeReview({ [top]: { excluded: true, at: '2026-01-01T00:00:00Z' }, [cls.ranking!.val.highest[1].image]: { labelError: true, at: '2026-01-01T00:00:00Z' } });

  const plain = JSON.parse(cli('rank', data, '--json', '--show', '3').stdout);
  assert.equal(plain.dataset.images.excluded, 0, 'without the flag the review file is not read');
  const r = cli('rank', data, '--json', '--show', '3', '--exclude-reviewed');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /1 image\(s\) marked excluded in .*review\.json/);
  const after = JSON.parse(r.stdout);
  assert.equal(after.dataset.images.excluded, 1);
  assert.equal(after.dataset.images.val, plain.dataset.images.val - 1);
  const c2 = (after.classes as RankClass[]).find((c) => c.name === cls.name)!;
  assert.equal(c2.ranking!.val.images, cls.ranking!.val.images - 1);
  assert.ok(!c2.ranking!.val.highest.some((x) => x.image === top), 'the excluded image is out of the ranking');
  assert.equal(c2.ranking!.val.highest[0].image, cls.ranking!.val.highest[1].image, 'a label-error flag alone excludes nothing');

  const g0 = JSON.parse(cli('gap', data, '--json').stdout);
  const g1 = JSON.parse(cli('gap', data, '--json', '--exclude-reviewed').stdout);
  const before = g0.classes.find((c: { name: string }) => c.name === cls.name);
  const now = g1.classes.find((c: { name: string }) => c.name === cls.name);
  assert.equal(now.valImages, before.valImages - 1);
  assert.equal(g1.dataset.images.excluded, 1);
});

test('--exclude-reviewed: a malformed review file stops the command naming file:line; --review needs the flag', () => {
  mkdirSync(join(data, '.spuriosity'), { recursive: true });
  writeFileSync(reviewFile(), '{"version": 1, "dataset": "x", "images": {"a.png": {"excluded": "yes", "at": "2026-01-01T00:00:00Z"}}}\n');
  const r = cli('gap', data, '--json', '--exclude-reviewed');
  assert.equal(r.code, 1);
  assert.match(r.stderr, /--exclude-reviewed: .*review\.json:1:\d+: images\.a\.png\.excluded: must be true or false/);
  const other = join(data, 'elsewhere.json');
  writeFileSync(other, `${JSON.stringify({ version: 1, dataset: data, images: {} })}\n`);
  const ok = cli('gap', data, '--json', '--exclude-reviewed', '--review', other);
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(JSON.parse(ok.stdout).dataset.images.excluded, 0);
  const lone = cli('gap', data, '--review', other);
  assert.equal(lone.code, 1);
  assert.match(lone.stderr, /--review only applies with --exclude-reviewed/);
});
