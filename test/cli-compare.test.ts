// `spuriosity compare` as a user runs it: the bundled demo model and its variants on a small demo benchmark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliRunner, demoFixture } from './helpers/cli';

const { root, data } = demoFixture('cli-compare');
const models = join(__dirname, '..', 'models', 'demo');
const base = join(models, 'spurious-mnist.onnx');
const variants = ['b', 'c'].map((v) => join(models, `spurious-mnist-${v}.onnx`));

const cli = cliRunner('--threads', '1');

const annotationFile = (model: string) =>
  join(data, '.spuriosity', `annotations.${createHash('sha256').update(readFileSync(model)).digest('hex').slice(0, 8)}.json`);

test('bad models and a bad probe folder are all reported before anything is extracted', () => {
  mkdirSync(root, { recursive: true });
  const text = join(root, 'notes.onnx');
  writeFileSync(text, 'not a model');
  const cache = join(root, 'never-made-cache');
  const r = cli('compare', data, '--model', base, '--model', join(root, 'missing.onnx'), '--model', text, '--annotate-from-probes', join(root, 'noprobes'), '--cache', cache);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /cannot compare: 3 problem\(s\) above; nothing was extracted/);
  assert.match(r.stderr, /missing\.onnx: does not exist; expected an ONNX image classifier/);
  assert.match(r.stderr, /notes\.onnx: not a readable ONNX model/);
  assert.match(r.stderr, /probe folder \S*noprobes does not exist; expected cue\/<class>\/ and object\/<class>\/ image folders/);
  assert.doesNotMatch(r.stderr, /Dataset not found/);
  assert.ok(!existsSync(cache), 'nothing was extracted');

  // a probe folder without object/ names what is missing
  const p = cli('compare', data, '--model', base, '--model', variants[0], '--annotate-from-probes', join(data, 'probes', 'cue'), '--cache', cache);
  assert.equal(p.code, 1);
  assert.match(p.stderr, /probe folder \S*cue has no usable cue\/ folder; expected cue\/<class>\/ and object\/<class>\/ image folders \(the cue alone, the object on a plain background\) for each of the 10 dataset classes/);
  assert.ok(!existsSync(cache), 'nothing was extracted');
  assert.match(cli('compare', data, '--model', base, '--model', variants[0], '--overwrite-labels').stderr, /--overwrite-labels only applies with --annotate-from-probes/);
});

test('one model is not a comparison', () => {
  const r = cli('compare', data, '--model', base);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /at least 2 models: repeat --model \(got 1\)/);
});

test('the same file twice is counted once: nothing to compare, exit code 2, and the note says why', () => {
  mkdirSync(join(root, 'copy'), { recursive: true });
  copyFileSync(base, join(root, 'copy', 'spurious-mnist.onnx'));
  copyFileSync(base.replace(/\.onnx$/, '.card.json'), join(root, 'copy', 'spurious-mnist.card.json'));
  const r = cli('compare', data, '--model', base, '--model', join(root, 'copy', 'spurious-mnist.onnx'), '--annotate-from-probes', '--json');
  assert.equal(r.code, 2, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.models.map((m: { id: string; included: boolean }) => [m.id, m.included]), [['spurious-mnist', true], ['spurious-mnist#2', false]]);
  assert.match(j.models[1].note, /same file as spurious-mnist/);
  assert.equal(j.correlation, null);
  assert.match(r.stderr, /fewer than 2 models have measured gaps/);
});

test('three models: per-class gaps, a symmetric correlation matrix, variance ratio, fit and effective robustness', () => {
  for (const v of variants) assert.ok(existsSync(v), `${v} is committed with the repository (models/README.md)`);
  const r = cli('compare', data, '--model', base, '--model', variants[0], '--model', variants[1], '--annotate-from-probes', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.schema, 'spuriosity-lens/compare@1');
  assert.equal(j.models.length, 3);
  assert.equal(j.gapTable.length, 10);
  const ids = j.models.map((m: { id: string }) => m.id);
  assert.deepEqual(ids, ['spurious-mnist', 'spurious-mnist-b', 'spurious-mnist-c']);
  // each model has its own annotation file (per sha256), written by --annotate-from-probes
  const files = new Set(j.models.map((m: { annotations: string }) => m.annotations));
  assert.equal(files.size, 3);
  for (const f of files) assert.ok(existsSync(f as string), `${f} written`);
  for (const m of j.models) {
    assert.ok(m.included, m.note);
    assert.ok(m.spuriousPairs > 0);
    // the table's column for the model is its per-class gaps
    for (const c of m.classes) assert.equal(j.gapTable.find((row: { class: string }) => row.class === c.class).gaps[ids.indexOf(m.id)], c.gap);
    assert.ok(Math.abs(m.meanGap - (m.accHigh - m.accLow)) <= 0.02);
  }
  const c = j.correlation;
  assert.deepEqual(c.models, ids);
  for (let a = 0; a < 3; a++) {
    assert.equal(c.matrix[a][a], 1);
    for (let b = 0; b < 3; b++) assert.equal(c.matrix[a][b], c.matrix[b][a]);
  }
  assert.equal(c.pairs.length, 3);
  assert.ok(c.meanPairwise >= -1 && c.meanPairwise <= 1);
  assert.ok(j.variance.acrossClasses > 0 && j.variance.acrossModels > 0);
  assert.ok(Math.abs(j.variance.ratio - j.variance.acrossClasses / j.variance.acrossModels) < 0.01);
  // effective robustness = acc low - beta * acc high, and it sums to about 0 only by accident: check each model
  for (const m of j.models) {
    assert.ok(Math.abs(m.predictedAccLow - j.fit.beta * m.accHigh) <= 0.02, `${m.id}: ${m.predictedAccLow} vs ${j.fit.beta} * ${m.accHigh}`);
    assert.ok(Math.abs(m.effectiveRobustness - (m.accLow - m.predictedAccLow)) <= 0.02);
  }

  // the human report reads the annotation files just written
  const h = cli('compare', data, '--model', base, '--model', variants[0], '--model', variants[1]);
  assert.equal(h.code, 0, h.stderr);
  assert.match(h.stdout, /Gap per class/);
  assert.match(h.stdout, new RegExp(`Mean pairwise r: ${c.meanPairwise.toFixed(2)}`));
  assert.match(h.stdout, new RegExp(`acc_low = ${j.fit.beta.toFixed(4)} × acc_high`));
});

test('--annotate-from-probes fills unlabelled pairs only and keeps hand-made labels, unless --overwrite-labels', () => {
  const file = annotationFile(base);
  const args = ['compare', data, '--model', base, '--model', variants[0], '--annotate-from-probes', '--json'];
  assert.equal(cli(...args).code, 0);
  // hand-label one probe-labelled pair the other way
  const before = JSON.parse(readFileSync(file, 'utf8'));
  const [cls, feats] = Object.entries(before.labels as Record<string, Record<string, { label: string; note?: string }>>)[0];
  const [feature, label] = Object.entries(feats)[0];
  const hand = label.label === 'spurious' ? 'core' : 'spurious';
  feats[feature] = { ...label, label: hand, note: 'checked by hand' };
  writeFileSync(file, JSON.stringify(before, null, 2));

  const kept = cli(...args);
  assert.equal(kept.code, 0, kept.stderr);
  const after = JSON.parse(readFileSync(file, 'utf8'));
  assert.deepEqual([after.labels[cls][feature].label, after.labels[cls][feature].note], [hand, 'checked by hand']);
  const note = (JSON.parse(kept.stdout).notes as string[]).find((n) => n.startsWith('spurious-mnist: probes'));
  const m = /probes labelled 0 unlabelled top pair\(s\) \(0 spurious\) and kept (\d+) already labelled \(--overwrite-labels replaces them\)/.exec(note ?? '');
  assert.ok(m, note);

  const over = cli(...args, '--overwrite-labels');
  assert.equal(over.code, 0, over.stderr);
  assert.equal(JSON.parse(readFileSync(file, 'utf8')).labels[cls][feature].label, label.label, 'the probe verdict replaced the hand label');
  const onote = (JSON.parse(over.stdout).notes as string[]).find((n) => n.startsWith('spurious-mnist: probes'));
  assert.match(onote ?? '', new RegExp(`probes labelled ${m[1]} top \\(class, feature\\) pair\\(s\\) \\(\\d+ spurious\\), replacing any label they had`));
});

test('a model whose annotation file is broken is left out with a note; the others are compared', () => {
  const file = annotationFile(variants[1]);
  mkdirSync(join(data, '.spuriosity'), { recursive: true });
  writeFileSync(file, '{ not json');
  try {
    const r = cli('compare', data, '--model', base, '--model', variants[0], '--model', variants[1], '--json');
    assert.equal(r.code, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.deepEqual(j.models.map((m: { id: string; included: boolean }) => [m.id, m.included]), [['spurious-mnist', true], ['spurious-mnist-b', true], ['spurious-mnist-c', false]]);
    assert.match(j.models[2].note, /^could not be analysed: .*annotations\.[0-9a-f]{8}\.json/);
    assert.deepEqual(j.correlation.models, ['spurious-mnist', 'spurious-mnist-b']);
    const h = cli('compare', data, '--model', base, '--model', variants[0], '--model', variants[1]);
    assert.match(h.stdout, /spurious-mnist-c \(left out\)/);
    assert.match(h.stdout, /spurious-mnist-c left out of the statistics: could not be analysed/);
  } finally {
    rmSync(file, { force: true });
  }
});
