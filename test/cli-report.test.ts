// `spuriosity report`: one self-contained HTML file (thumbnails embedded), and a report saved into the dataset is
// not counted as a skipped file on the next run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliRunner, demoFixture } from './helpers/cli';
import { gapVerdict } from '../src/engine/analysis/htmlReport';

const { root, data } = demoFixture('cli-report', { trainPerClass: 12, valPerClass: 8 });
const cli = cliRunner('--threads', '1');

test('report --out F.html embeds per class its gap and verdict, labeled top features and ranking ends as base64 thumbnails', () => {
  assert.equal(cli('annotations', 'from-probes', data).code, 0);
  const out = join(root, 'report.html');
  const r = cli('report', data, '--out', out, '--bootstrap', '200');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /wrote .*report\.html/);
  const html = readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  // self-contained: every image is a data URI, nothing is loaded from disk or the network
  const srcs = [...html.matchAll(/<img src="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(srcs.length >= 10, `thumbnails embedded (${srcs.length})`);
  assert.ok(srcs.every((s) => s.startsWith('data:image/webp;base64,')));
  assert.doesNotMatch(html, /<(script|link)\b/);
  const gap = JSON.parse(cli('gap', data, '--json', '--bootstrap', '200').stdout) as { classes: Array<{ name: string; gap: number; ci: [number, number] }> };
  assert.ok(gap.classes.length > 0);
  for (const c of gap.classes) {
    assert.ok(html.includes(`id="c-${c.name}"`), `a section for ${c.name}`);
    assert.ok(html.includes(gapVerdict(c.gap, c.ci)), `the verdict of ${c.name}`);
  }
  assert.match(html, /Lowest spuriosity[\s\S]*Highest spuriosity/);
  assert.match(html, /class="l-spurious">spurious/);
  assert.match(html, /class="l-core">core/);
});

test('a report saved inside the dataset is not a skipped file of the next run; .md and .json by extension; a bad extension is refused', () => {
  const inside = join(data, 'spuriosity-report-demo.html');
  assert.equal(cli('report', data, '--out', inside, '--bootstrap', '0').code, 0);
  const ex = JSON.parse(cli('extract', data, '--json').stdout) as { counts: { skipped: number }; skipped: Array<{ path: string }> };
  assert.ok(!ex.skipped.some((s) => s.path === inside), JSON.stringify(ex.skipped));
  const md = join(root, 'r.md');
  assert.equal(cli('report', data, '--out', md, '--bootstrap', '0').code, 0);
  assert.match(readFileSync(md, 'utf8'), /^# Spuriosity report/);
  const bad = cli('report', data, '--out', join(root, 'r.pdf'));
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /must be \.html, \.md or \.json/);
});

test('gapVerdict: a finding only when the interval excludes 0', () => {
  assert.equal(gapVerdict(12, [3, 20]), 'positive');
  assert.equal(gapVerdict(-10, [-30, -1]), 'negative');
  assert.equal(gapVerdict(-10, [-30, 0]), 'not significant');
  assert.equal(gapVerdict(5, null), 'no interval');
});

test('htmlReport lists the tuning runs with their exports, escapes names, and shows a file name where a thumbnail is missing', async () => {
  const { openAnalysis, openDataset } = await import('../src/engine/analysis/openAnalysis');
  const { openLabelStore } = await import('../src/engine/analysis/fileLabelStore');
  const { htmlReport } = await import('../src/engine/analysis/htmlReport');
  const { defaultModelPath } = await import('../src/cli/paths');
  const cacheDir = join(data, '.spuriosity');
  const { session } = await openAnalysis({
    dataset: await openDataset(data, cacheDir), modelPath: defaultModelPath(), cacheDir, threads: 1,
    openLabels: (m) => openLabelStore(data, m),
  });
  const html = await htmlReport(session, {
    thumbnail: async () => undefined,
    tuning: [{ method: 'Low-spuriosity <tuning>', before: { gap: 0.29, accuracy: 0.888 }, after: { gap: 0.04, accuracy: 0.924 }, epochs: 5, stoppedEarly: true, trainImages: 1000, exported: ['/x/tuned-head.json'] }],
  });
  assert.match(html, /<h2>Fine-tuning<\/h2>/);
  assert.ok(html.includes('Low-spuriosity &#60;tuning&#62;'), 'names are escaped');
  assert.match(html, /\+29\.0 → \+4\.0 pts/);
  assert.match(html, /88\.8% → 92\.4%/);
  assert.match(html, /5 \(stopped: gap below the threshold\)/);
  assert.ok(html.includes('/x/tuned-head.json'));
  assert.doesNotMatch(html, /<img /, 'no thumbnails given: none embedded');
  assert.match(html, /<span class="noimg">val\//, 'the image is named instead');
});
