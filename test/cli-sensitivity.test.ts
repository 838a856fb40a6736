// `spuriosity sensitivity` as a user runs it, on a small demo benchmark with the bundled model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cliRunner, demoFixture } from './helpers/cli';

const { data } = demoFixture('cli-sensitivity');

const cli = cliRunner('--threads', '1');

test('sensitivity: nothing labelled and no --class is a clear error; --class measures its top features', () => {
  const none = cli('sensitivity', data);
  assert.equal(none.code, 1);
  assert.match(none.stderr, /no top feature is labelled yet/);
  const r = cli('sensitivity', data, '--class', '3-three', '--images', '6', '--k', '2', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.schema, 'spuriosity-lens/sensitivity@1');
  assert.equal(j.features.length, 2);
  assert.deepEqual(j.params, { images: 6, topPercent: null, split: 'train', blurSigmaFraction: 1 / 32, patchFraction: 1 / 8, inputSize: 64, blurSigmaPx: 2, patchPx: 8, seed: 0 });
  for (const f of j.features) {
    assert.equal(f.cls, '3-three');
    assert.equal(f.label, null);
    assert.equal(f.maskSource, 'own');
    assert.equal(f.imageCount, 6);
    assert.deepEqual(f.outcomes.map((o: { corruption: string }) => o.corruption), ['gray', 'blur', 'patch-rotate']);
    for (const o of f.outcomes) assert.ok(Math.abs(o.sensitivity - (f.cleanAccuracy - o.accuracy)) < 0.02);
  }
  assert.equal(cli('sensitivity', data, '--class', 'nope').code, 1);
  assert.match(cli('sensitivity', data, '--top-percent', '0').stderr, /--top-percent must be a number greater than 0/);
  // --images and --top-percent choose the images two ways: asking for both is an error, not a silent pick
  const both = cli('sensitivity', data, '--class', '3-three', '--images', '5', '--top-percent', '5');
  assert.equal(both.code, 1);
  assert.match(both.stderr, /option '--top-percent <p>' cannot be used with option '--images <n>'/);
});

test('sensitivity after probe labels: every labelled top feature, spurious masks lose the core region, cue vs digit ordering', () => {
  assert.equal(cli('annotations', 'from-probes', data).code, 0);
  const r = cli('sensitivity', data, '--top-percent', '50', '--json');
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.features.length, 50, '5 labelled top features x 10 classes');
  assert.equal(j.truncatedPairs, 0);
  assert.deepEqual([j.params.images, j.params.topPercent], [null, 50], 'the percentage chose the images, not the default count');
  const spurious = j.features.filter((f: { label: string }) => f.label === 'spurious');
  const core = j.features.filter((f: { label: string }) => f.label === 'core');
  assert.ok(spurious.length > 0 && core.length > 0);
  for (const f of spurious) assert.equal(f.maskSource, f.coreFeatures.length ? 'minus-core' : 'own');
  for (const f of j.features) assert.equal(f.imageCount, 10, 'top 50% of 20 training images');
  // Mean probability drops: the colour cue's features react to gray, the digit's to patch rotation.
  const mean = (fs: Array<{ outcomes: Array<{ probabilityDrop: number }> }>, i: number) => fs.reduce((s, f) => s + f.outcomes[i].probabilityDrop, 0) / fs.length;
  assert.ok(mean(spurious, 0) > mean(core, 0), `gray: cue ${mean(spurious, 0)} vs digit ${mean(core, 0)}`);
  assert.ok(mean(core, 2) > mean(spurious, 2), `rotate: digit ${mean(core, 2)} vs cue ${mean(spurious, 2)}`);
  const human = cli('sensitivity', data, '--class', '0-zero', '--feature', String(core[0].feature), '--images', '4');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /Feature sensitivity — top 4 train images per feature, 64 px input, blur sigma 2 px, patches 8 px/);
  assert.match(human.stdout, /gray \(colour\)\s+blur \(texture\)\s+rotate \(shape\)/);
  assert.match(human.stdout, /^0-zero\s+\d+\s+(core|spurious|unlabelled)/m);
  assert.doesNotMatch(human.stdout, /-0\.0\b/);
});
