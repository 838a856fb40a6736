// The CLI as a user runs it: a separate process, exit codes, stdout/stderr contents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildHostileDataset, type HostileExpectation } from './helpers/hostile';
import { convGemmModel } from './helpers/onnxBuilder';
import type { ExtractReport } from '../src/cli/report';

// Per process: the suite may run twice at once in one checkout.
const root = join(__dirname, '.fixtures', `cli-${process.pid}`);
after(() => rmSync(root, { recursive: true, force: true }));
const modelPath = join(root, 'tiny.onnx');
let expected: HostileExpectation[] = [];
let good: string[] = [];

function cli(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(__dirname, '..', 'src', 'cli', 'main.ts'), ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

before(async () => {
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  writeFileSync(modelPath, convGemmModel({ size: 'S' }).bytes);
  // Label 0 is "dog", label 1 "Cat" (case differs from the folder), so both classes map by name.
  writeFileSync(join(root, 'tiny.card.json'), JSON.stringify({ name: 'tiny', preprocess: { resize: 8, crop: 8, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }, labels: ['dog', 'Cat', 'x', 'y', 'z'] }));
  ({ expected, good } = await buildHostileDataset(join(root, 'hostile')));
});

test('cli extract --json: exit 0 on a hostile dataset, every bad file reported with its reason, report shape', () => {
  const r = cli('extract', join(root, 'hostile'), '--model', modelPath, '--json', '--batch', '3', '--threads', '1');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ExtractReport;
  assert.equal(report.counts.withFeatures, good.length);
  assert.equal(report.cache.computed, good.length);
  assert.equal(report.cache.hits, 0);
  assert.equal(report.cache.dir, join(root, 'hostile', '.spuriosity'));
  assert.ok(existsSync(report.cache.dir));
  assert.equal(report.model.name, 'tiny');
  assert.equal(report.model.dim, 4);
  const reasons = new Map<string, string>();
  for (const f of report.failures) reasons.set(f.rel, f.reason);
  for (const s of report.skipped) reasons.set(s.path.slice(join(root, 'hostile').length + 1), s.reason);
  for (const e of expected) assert.ok(reasons.has(e.rel), `${e.rel} (${e.reason}) is reported`);
  for (const f of report.failures) assert.equal(expected.find((e) => e.rel === f.rel)?.reason, f.reason, f.rel);
  assert.ok(!report.skipped.some((s) => s.path.includes('.spuriosity')), 'the cache folder is not reported as a skipped file');
  const sumSkipped = Object.values(report.dataset.skippedByReason).reduce((a, b) => a + b, 0);
  assert.equal(sumSkipped, report.skipped.length);
  assert.equal(Object.values(report.failuresByReason).reduce((a, b) => a + b, 0), report.failures.length);
  assert.deepEqual(report.perClass.map((c) => [c.class, c.modelLabel]), [['cat', 'Cat'], ['dog', 'dog']]);
  for (const c of report.perClass) {
    assert.equal(c.images, c.train + c.val);
    assert.ok(c.accuracy !== null && c.accuracy >= 0 && c.accuracy <= 100);
  }
  assert.equal(report.perClass.reduce((a, c) => a + c.images, 0), good.length);

  const again = cli('extract', join(root, 'hostile'), '--model', modelPath, '--json');
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(again.stdout) as ExtractReport;
  assert.equal(second.cache.hits, good.length);
  assert.equal(second.cache.computed, 0);
  assert.deepEqual(second.perClass, report.perClass);
});

test('cli extract: human summary on stdout, no progress bar when stderr is not a terminal', () => {
  const r = cli('extract', join(root, 'hostile'), '--model', modelPath, '--cache', join(root, 'other-cache'));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Features for \d+ images: 0 from cache/);
  assert.match(r.stdout, /could not be used/);
  assert.equal(r.stderr, '');
  // One feature folder (the model's sha256) beside models/, the warm path's stored model description.
  assert.deepEqual(readdirSync(join(root, 'other-cache')).filter((n) => n !== 'models').length, 1);
  assert.ok(readdirSync(join(root, 'other-cache', 'models')).some((n) => n.endsWith('.json')));
});

test('cli extract: the default cache of a manifest dataset sits beside the manifest', () => {
  const dir = join(root, 'manifest');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'list.csv'), `path,label\n../hostile/train/cat/cat0.png,cat\n../hostile/train/dog/dog0.png,dog\n`);
  const r = cli('extract', join(dir, 'list.csv'), '--model', modelPath, '--json');
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as ExtractReport;
  assert.equal(report.cache.dir, join(dir, '.spuriosity'));
  assert.equal(report.counts.withFeatures, 2);
});

test('cli extract: failures exit non-zero with one clear line on stderr and nothing on stdout', () => {
  const missing = cli('extract', join(root, 'nope'), '--model', modelPath, '--json');
  assert.notEqual(missing.code, 0);
  assert.equal(missing.stdout, '');
  assert.match(missing.stderr, /^spuriosity: Dataset not found: .*nope/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);

  const notModel = join(root, 'not-a-model.onnx');
  writeFileSync(notModel, 'hello');
  const bad = cli('extract', join(root, 'hostile'), '--model', notModel);
  assert.notEqual(bad.code, 0);
  assert.equal(bad.stdout, '');
  assert.match(bad.stderr, /^spuriosity: .*not-a-model\.onnx/);
  assert.equal(bad.stderr.trim().split('\n').length, 1);

  const badBatch = cli('extract', join(root, 'hostile'), '--batch', 'many');
  assert.notEqual(badBatch.code, 0);
  assert.match(badBatch.stderr, /--batch must be a positive integer, got "many"/);
});
