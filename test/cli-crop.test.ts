// `spuriosity crop` as a user runs it, on a small demo benchmark with the bundled model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { cliRunner, demoFixture } from './helpers/cli';
const cli = cliRunner('--threads', '1', '--bootstrap', '0');
const { root, data } = demoFixture('cli-crop', { trainPerClass: 10, valPerClass: 6 }, (dir) => {
  const a = cli('annotations', 'from-probes', dir);
  assert.equal(a.code, 0, a.stderr);
});

test('crop --class --json: every image of the class with a box inside the image and both predictions', () => {
  const r = cli('crop', data, '--class', '3-three', '--json');
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  assert.equal(rep.schema, 'spuriosity-lens/crop@1');
  assert.equal(rep.scope, 'class');
  assert.deepEqual(rep.params, { threshold: 0.9, growth: 0.2, reliableFraction: 0.2 });
  const c = rep.classes[0];
  assert.equal(c.name, '3-three');
  assert.equal(c.images.length, 16);
  assert.ok(c.coreFeatures.length > 0, 'probe labels give 3-three a core feature');
  assert.ok(c.counts.cropped > 0);
  for (const im of c.images.filter((x: { box: unknown }) => x.box)) {
    assert.deepEqual(im.imageSize, { width: 64, height: 64 });
    assert.ok(im.box.x >= 0 && im.box.y >= 0 && im.box.x + im.box.width <= 64 && im.box.y + im.box.height <= 64, JSON.stringify(im.box));
    assert.equal(im.box.width, im.box.height, 'square: the demo images are larger than any crop');
    assert.ok(im.cropped && typeof im.cropped.predicted === 'string');
  }
  // reliable: the top ceil(20% of 16) = 4 by core activation
  assert.equal(c.images.filter((x: { reliable: boolean }) => x.reliable).length, 4);
  assert.equal(c.counts.changed, c.images.filter((x: { change: string | null }) => x.change && x.change !== 'same').length);
});

test('crop (re-check) prints a table or says there is no negative-gap class', () => {
  const r = cli('crop', data);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Core crops \(re-check of negative-gap classes, 10 highest-spuriosity validation images each\)/);
  assert.match(r.stdout, /No class has a negative spurious gap|Total: \d+\/\d+ cropped, \d+ prediction\(s\) changed/);
});

test('crop rejects --top outside the re-check, and --recheck --class says why a class with a gap that is not negative is left out', () => {
  const top = cli('crop', data, '--class', '3-three', '--top', '5');
  assert.equal(top.code, 1);
  assert.match(top.stderr, /--top applies to the re-check only/);
  const r = cli('crop', data, '--recheck', '--class', '3-three');
  assert.equal(r.code, 0, r.stderr);
  const listed = /^3-three — gap -\d/m.test(r.stdout);
  if (!listed) assert.match(r.stdout, /3-three has (a spurious gap of [+-]?\d+\.\d points, not negative|no spurious gap)/);
  assert.doesNotMatch(r.stdout, /No class has a negative spurious gap/);
});

test('crop --out: crops and a manifest outside the dataset; never inside it, never over foreign files', async () => {
  const inside = cli('crop', data, '--class', '3-three', '--out', join(data, 'crops'));
  assert.equal(inside.code, 1);
  assert.match(inside.stderr, /inside the dataset folder/);
  // a folder whose name starts with '..' is inside too (the guard once read it as the parent)
  const dotted = cli('crop', data, '--class', '3-three', '--out', join(data, '..crops'), '--manifest-only');
  assert.equal(dotted.code, 1);
  assert.match(dotted.stderr, /inside the dataset folder/);
  assert.equal(existsSync(join(data, '..crops')), false);
  // --out names a folder
  const file = join(root, 'a-file.txt');
  writeFileSync(file, 'x');
  const notDir = cli('crop', data, '--class', '3-three', '--out', file);
  assert.equal(notDir.code, 1);
  assert.match(notDir.stderr, /--out must be a folder: .*a-file\.txt is a file/);

  const out = join(root, 'crops');
  const r = cli('crop', data, '--class', '3-three', '--out', out, '--json');
  assert.equal(r.code, 0, r.stderr);
  const rep = JSON.parse(r.stdout);
  const m = JSON.parse(readFileSync(join(out, 'crop-manifest.json'), 'utf8'));
  assert.equal(m.schema, 'spuriosity-lens/crop-manifest@1');
  assert.equal(m.crops.length, rep.classes[0].counts.cropped);
  assert.equal(rep.export.files, m.crops.length);
  const first = m.crops[0];
  const meta = await sharp(join(out, first.file)).metadata();
  assert.deepEqual([meta.width, meta.height], [first.box.width, first.box.height]);
  // a second run replaces its own files
  assert.equal(cli('crop', data, '--class', '3-three', '--out', out).code, 0);
  // but not a file it did not write
  const foreign = join(root, 'foreign');
  mkdirSync(join(foreign, 'train', '3-three'), { recursive: true });
  writeFileSync(join(foreign, first.file), 'not a crop');
  const clash = cli('crop', data, '--class', '3-three', '--out', foreign);
  assert.equal(clash.code, 1);
  assert.match(clash.stderr, /would overwrite and no earlier crop export wrote/);
  assert.equal(readFileSync(join(foreign, first.file), 'utf8'), 'not a crop');
  // manifest only: boxes, no files
  const mo = join(root, 'manifest-only');
  assert.equal(cli('crop', data, '--class', '3-three', '--out', mo, '--manifest-only').code, 0);
  const mm = JSON.parse(readFileSync(join(mo, 'crop-manifest.json'), 'utf8'));
  assert.ok(mm.crops.length > 0 && mm.crops.every((c: { file: unknown }) => c.file === null));
  assert.equal(existsSync(join(mo, 'train')), false);
});
