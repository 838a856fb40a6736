// The demo benchmark generator: determinism, layout, ground truth and the planted cue itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { CLASSES, generateDemoDataset, type GroundTruth } from '../scripts/demo/generate-dataset.mjs';
import { packDigits, unpackDigits } from '../scripts/demo/bundled.mjs';

const FIX = join('test', '.fixtures', 'demo-generator');
const tiny = { trainPerClass: 4, valPerClass: 2, probesPerClass: 2, force: true };

function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

async function chroma(path: string): Promise<number> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.channels, 3);
  let sum = 0;
  for (let i = 0; i < data.length; i += 3) sum += Math.max(data[i], data[i + 1], data[i + 2]) - Math.min(data[i], data[i + 1], data[i + 2]);
  return sum / (data.length / 3);
}

test('same seed gives byte-identical files; another seed gives other pixels', async () => {
  const a = await generateDemoDataset({ ...tiny, out: join(FIX, 'a'), seed: 7 });
  const b = await generateDemoDataset({ ...tiny, out: join(FIX, 'b'), seed: 7 });
  const c = await generateDemoDataset({ ...tiny, out: join(FIX, 'c'), seed: 8 });
  const files = listFiles(a);
  assert.deepEqual(listFiles(b), files);
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs between two runs with seed 7`);
  const pngs = files.filter((f) => f.endsWith('.png'));
  const differing = pngs.filter((f) => !readFileSync(join(a, f)).equals(readFileSync(join(c, f))));
  assert.equal(differing.length, pngs.length, 'every image should change with the seed');
});

test('layout: ImageFolder splits, 64x64 RGB PNGs, probes, ground truth matching the files', async () => {
  const root = await generateDemoDataset({ ...tiny, out: join(FIX, 'layout'), seed: 3 });
  const files = listFiles(root);
  const gt = JSON.parse(readFileSync(join(root, 'ground-truth.json'), 'utf8')) as GroundTruth;
  assert.deepEqual(gt.classes, [...CLASSES]);
  assert.equal(gt.seed, 3);
  assert.deepEqual(Object.keys(gt.cue).sort(), [...CLASSES].sort());
  const expectCount: Record<string, number> = { train: 4, val: 2, 'probes/cue': 2, 'probes/object': 2 };
  for (const [prefix, n] of Object.entries(expectCount)) {
    for (const cls of CLASSES) {
      const inDir = files.filter((f) => f.startsWith(`${prefix}/${cls}/`) && f.endsWith('.png'));
      assert.equal(inDir.length, n, `${prefix}/${cls} should hold ${n} images`);
    }
  }
  const splitImages = files.filter((f) => f.startsWith('train/') || f.startsWith('val/'));
  assert.deepEqual(Object.keys(gt.images).sort(), splitImages, 'ground truth lists exactly the train and val images');
  for (const [rel, e] of Object.entries(gt.images)) {
    const [split, label] = rel.split('/');
    assert.equal(e.split, split, rel);
    assert.equal(e.label, label, rel);
  }
  for (const f of files.filter((x) => x.endsWith('.png')).slice(0, 12)) {
    const m = await sharp(join(root, f)).metadata();
    assert.equal(m.format, 'png');
    assert.deepEqual([m.width, m.height, m.channels], [64, 64, 3], f);
  }
});

test('exactly half of each class\'s validation images carry the cue; most training images do', async () => {
  const root = await generateDemoDataset({ out: join(FIX, 'halves'), seed: 5, trainPerClass: 20, valPerClass: 6, probesPerClass: 0, trainCueFraction: 0.85, force: true });
  const gt = JSON.parse(readFileSync(join(root, 'ground-truth.json'), 'utf8')) as GroundTruth;
  for (const cls of CLASSES) {
    const val = Object.values(gt.images).filter((e) => e.split === 'val' && e.label === cls);
    const train = Object.values(gt.images).filter((e) => e.split === 'train' && e.label === cls);
    assert.equal(val.length, 6);
    assert.equal(val.filter((e) => e.cue).length, 3, `${cls}: half of val with cue`);
    assert.equal(train.filter((e) => e.cue).length, 17, `${cls}: round(0.85 * 20) train images with cue`);
  }
  assert.equal(gt.cueFraction.train, 17 / 20);
});

test('the cue is really in the pixels: cue images are far more colourful than neutral ones', async () => {
  const root = await generateDemoDataset({ out: join(FIX, 'pixels'), seed: 11, trainPerClass: 2, valPerClass: 4, probesPerClass: 2, force: true });
  const gt = JSON.parse(readFileSync(join(root, 'ground-truth.json'), 'utf8')) as GroundTruth;
  const val = Object.entries(gt.images).filter(([, e]) => e.split === 'val');
  const cue = await Promise.all(val.filter(([, e]) => e.cue).map(([rel]) => chroma(join(root, rel))));
  const neutral = await Promise.all(val.filter(([, e]) => !e.cue).map(([rel]) => chroma(join(root, rel))));
  const objectProbes = await Promise.all(CLASSES.map((c) => chroma(join(root, 'probes', 'object', c, 'object_0000.png'))));
  const cueProbes = await Promise.all(CLASSES.map((c) => chroma(join(root, 'probes', 'cue', c, 'cue_0000.png'))));
  const maxNeutral = Math.max(...neutral, ...objectProbes);
  assert.ok(Math.min(...cue, ...cueProbes) > maxNeutral, `least colourful cue image ${Math.min(...cue)} vs most colourful neutral ${maxNeutral}`);
});

test('reuses an existing dataset with the same parameters, refuses foreign folders, rejects bad options', async () => {
  const out = join(FIX, 'reuse');
  await generateDemoDataset({ ...tiny, out, seed: 2 });
  const probe = join(out, 'val', CLASSES[0], `${CLASSES[0]}_0000.png`);
  const before = statSync(probe).mtimeMs;
  const logs: string[] = [];
  await generateDemoDataset({ ...tiny, force: false, out, seed: 2, log: (m) => logs.push(m) });
  assert.equal(statSync(probe).mtimeMs, before, 'same parameters: nothing rewritten');
  assert.match(logs.join('\n'), /already holds/);
  await generateDemoDataset({ ...tiny, force: false, out, seed: 4 });
  assert.equal(JSON.parse(readFileSync(join(out, 'params.json'), 'utf8')).seed, 4, 'other parameters: regenerated');

  const foreign = join(FIX, 'foreign');
  rmSync(foreign, { recursive: true, force: true });
  mkdirSync(foreign, { recursive: true });
  writeFileSync(join(foreign, 'notes.txt'), 'mine');
  await assert.rejects(generateDemoDataset({ ...tiny, out: foreign }), /not empty and was not made by this generator/);
  assert.equal(readFileSync(join(foreign, 'notes.txt'), 'utf8'), 'mine');
  await assert.rejects(generateDemoDataset({ ...tiny, out: join(FIX, 'odd'), valPerClass: 3 }), /valPerClass must be even/);
  await assert.rejects(generateDemoDataset({ ...tiny, out: join(FIX, 'huge'), trainPerClass: 5000 }), /distinct MNIST digits/);
});

test('the installed extension\'s generator (digits packed at build time, no mnist package) writes the same bytes as the repository\'s', async () => {
  const pack = join(FIX, 'pack', 'digits.json.gz');
  rmSync(join(FIX, 'pack'), { recursive: true, force: true });
  packDigits(pack);
  // seed 1 (the default) draws its first digits from the same shuffled order as the full default demo
  const opts = { ...tiny, seed: 1 };
  const a = await generateDemoDataset({ ...opts, out: join(FIX, 'pack', 'repo') });
  const b = await generateDemoDataset({ ...opts, out: join(FIX, 'pack', 'packed'), digits: unpackDigits(pack) });
  const files = listFiles(a);
  assert.deepEqual(listFiles(b), files);
  for (const f of files) assert.ok(readFileSync(join(a, f)).equals(readFileSync(join(b, f))), `${f} differs`);
  // another seed needs digits that are not packed: refused with the reason
  await assert.rejects(generateDemoDataset({ ...tiny, seed: 7, out: join(FIX, 'pack', 'other'), digits: unpackDigits(pack) }), /not packed with the extension/);
});
