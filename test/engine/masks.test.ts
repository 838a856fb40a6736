// Object masks from a dataset's masks folder (engine/masks): file naming, the model's crop mapped into the mask,
// bad files reported by name (missing, unreadable, size mismatch) without stopping the run, and the mask-score job
// over a fake model whose 2x2 maps are known (cell values f, 2f, 3f, 4f).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { cropWindowIn, folderMask, maskFileFor, maskValues } from '../../src/engine/masks/maskFolder';
import { runMaskScoreJob } from '../../src/engine/masks/maskScoreJob';
import { DEFAULT_DECODE_OPTIONS } from '../../src/engine/native/sharp';
import { entryOf, fakeDeps } from './extractFakes';

const tmp = () => mkdtempSync(join(tmpdir(), 'spl-masks-'));
const pre = { resize: 4, crop: 4, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };

async function png(path: string, w: number, h: number, gray: (x: number, y: number) => number): Promise<void> {
  mkdirSync(dirname(path), { recursive: true });
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.fill(gray(x, y), (y * w + x) * 3, (y * w + x) * 3 + 3);
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
}

test('maskFileFor mirrors the image tree with a .png stem', () => {
  assert.equal(maskFileFor('/m', 'train/cat/a.b.jpg'), join('/m', 'train', 'cat', 'a.b.png'));
  assert.equal(maskFileFor('/m', 'cat/noext'), join('/m', 'cat', 'noext.png'));
});

test('cropWindowIn maps the centre crop of the resized image into mask pixels', () => {
  // 8x4 image, resize shorter side to 4 -> 8x4, crop 4: columns 2..6 of the resized image
  assert.deepEqual(cropWindowIn(8, 4, { resize: 4, crop: 4 }, 8, 4), { left: 2, top: 0, width: 4, height: 4 });
  // the same in a mask of twice the resolution
  assert.deepEqual(cropWindowIn(8, 4, { resize: 4, crop: 4 }, 16, 8), { left: 4, top: 0, width: 8, height: 8 });
});

test('maskValues reads 0/1 masks as binary and others as v / 255', () => {
  assert.deepEqual(Array.from(maskValues(new Uint8Array([0, 1, 1]))), [0, 1, 1]);
  assert.deepEqual(Array.from(maskValues(new Uint8Array([0, 255, 51]))), [0, 1, Math.fround(0.2)]);
});

test('folderMask resizes a mask of another resolution and names every bad file', async () => {
  const root = tmp();
  const masks = join(root, 'masks');
  for (const n of ['good', 'big', 'missing', 'garbage', 'narrow', 'binary']) await png(join(root, 'cat', `${n}.png`), 4, 4, () => 128);
  // object = right half
  await png(join(masks, 'cat', 'good.png'), 4, 4, (x) => (x >= 2 ? 255 : 0));
  await png(join(masks, 'cat', 'big.png'), 16, 16, (x) => (x >= 8 ? 255 : 0));
  writeFileSync(join(masks, 'cat', 'garbage.png'), 'not a png');
  await png(join(masks, 'cat', 'narrow.png'), 2, 4, () => 255);
  await png(join(masks, 'cat', 'binary.png'), 4, 4, (x) => (x >= 2 ? 1 : 0));
  const grid = async (n: string) => folderMask(await entryOf(root, `cat/${n}.png`, 'cat'), masks, pre, 2, 2, DEFAULT_DECODE_OPTIONS);
  const want = [0, 1, 0, 1];
  for (const n of ['good', 'big', 'binary']) {
    const r = await grid(n);
    assert.ok('mask' in r, `${n}: ${JSON.stringify(r)}`);
    assert.deepEqual(Array.from(r.mask), want, n);
  }
  const bad = { missing: 'missing', garbage: 'unreadable', narrow: 'size-mismatch' } as const;
  for (const [n, reason] of Object.entries(bad)) {
    const r = await grid(n);
    assert.ok('problem' in r, n);
    assert.equal(r.problem.reason, reason, n);
    assert.equal(r.problem.rel, `cat/${n}.png`);
    assert.ok(r.problem.message.includes(join(masks, 'cat', `${n}.png`)), `${n}: message names the mask file: ${r.problem.message}`);
  }
});

test('the mask-score job scores pairs on the images with masks and reports the others', async () => {
  const root = tmp();
  const masks = join(root, 'masks');
  const names = ['a', 'b', 'c', 'd', 'e'];
  for (const n of names) await png(join(root, 'cat', `${n}.png`), 4, 4, (x, y) => 40 + 10 * x + 30 * y + n.charCodeAt(0));
  // a, b, c: object = right column of the 2x2 grid -> share (2 + 4) / (1 + 2 + 3 + 4) = 0.6; d: missing; e: empty mask
  for (const n of ['a', 'b', 'c']) await png(join(masks, 'cat', `${n}.png`), 4, 4, (x) => (x >= 2 ? 255 : 0));
  await png(join(masks, 'cat', 'e.png'), 4, 4, () => 0);
  const entries = await Promise.all(names.map((n) => entryOf(root, `cat/${n}.png`, 'cat')));
  const r = await runMaskScoreJob({
    modelPath: 'fake', cacheDir: join(root, 'cache'), source: { kind: 'folder', dir: masks }, deps: fakeDeps(),
    items: [{ cls: 'cat', feature: 0, entries }, { cls: 'cat', feature: 3, entries: entries.slice(0, 2) }],
  });
  assert.deepEqual(r.grid, { h: 2, w: 2 });
  assert.equal(r.pairs.length, 2);
  const [p0, p3] = r.pairs;
  assert.equal(p0.feature, 0);
  assert.equal(p0.score.images, 3);
  assert.ok(Math.abs(p0.score.mean - 0.6) < 1e-6, String(p0.score.mean));
  assert.equal(p0.noMask, 1);
  assert.equal(p0.score.skipped['empty-mask'], 1);
  assert.equal(p3.score.images, 2);
  assert.deepEqual(r.maskProblems.map((p) => [p.rel, p.reason]), [['cat/d.png', 'missing']], 'each bad mask named once');
});

test('a segmenter model gives the masks: its output is mapped onto the classifier\'s crop and map grid', async () => {
  const root = tmp();
  const { attr, buildModel, node, value } = await import('../helpers/onnxBuilder');
  // foreground = mean of the three channels (pixels in [0, 1] with mean 0 / std 1): a bright right half is the object
  const seg = join(root, 'seg.onnx');
  writeFileSync(seg, buildModel({
    inputs: [value('input', ['n', 3, 8, 8])], outputs: [value('foreground', ['n', 1, 8, 8])],
    nodes: [node('ReduceMean', ['input'], ['foreground'], [attr.ints('axes', [1]), attr.i('keepdims', 1)])],
  }));
  writeFileSync(join(root, 'seg.card.json'), JSON.stringify({ preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] }, input: 'input', output: 'foreground' }));
  const names = ['a', 'b', 'c'];
  for (const n of names) await png(join(root, 'cat', `${n}.png`), 16, 16, (x) => (x >= 8 ? 255 : 0));
  const entries = await Promise.all(names.map((n) => entryOf(root, `cat/${n}.png`, 'cat')));
  const r = await runMaskScoreJob({
    modelPath: 'fake', cacheDir: join(root, 'cache'), source: { kind: 'segmenter', modelPath: seg }, deps: fakeDeps(),
    items: [{ cls: 'cat', feature: 0, entries }],
  });
  assert.deepEqual(r.maskProblems, []);
  assert.equal(r.pairs[0].score.images, 3);
  // the fake map's cells are f, 2f, 3f, 4f: right column (2 + 4) / 10, less a little where the 16 -> 8 px resize blurs the edge
  assert.ok(Math.abs(r.pairs[0].score.mean - 0.6) < 0.02, String(r.pairs[0].score.mean));
  writeFileSync(join(root, 'bad.onnx'), 'x');
  await assert.rejects(runMaskScoreJob({ modelPath: 'fake', cacheDir: join(root, 'cache'), source: { kind: 'segmenter', modelPath: join(root, 'bad.onnx') }, deps: fakeDeps(), items: [{ cls: 'cat', feature: 0, entries }] }),
    /bad\.card\.json: a segmenter needs a card/);
});

test('a warm mask-score run (maps cached) starts no inference session and reads the model through the warm-path store', async () => {
  const root = tmp();
  const masks = join(root, 'masks');
  for (const n of ['a', 'b', 'c']) {
    await png(join(root, 'cat', `${n}.png`), 4, 4, (x, y) => 40 + 10 * x + 30 * y + n.charCodeAt(0));
    await png(join(masks, 'cat', `${n}.png`), 4, 4, (x) => (x >= 2 ? 255 : 0));
  }
  const entries = await Promise.all(['a', 'b', 'c'].map((n) => entryOf(root, `cat/${n}.png`, 'cat')));
  const base = fakeDeps();
  const n = { sessions: 0, warmLoads: 0, adapted: 0 };
  const deps = {
    ...base,
    createModel: (...a: Parameters<typeof base.createModel>) => { n.sessions++; return base.createModel(...a); },
    loadModelWarm: async (p: string) => {
      n.warmLoads++;
      const m = await base.loadModel(p);
      return { info: m.info, fromStore: true, adapted: async () => { n.adapted++; return m.adapted; } };
    },
  };
  const job = () => runMaskScoreJob({ modelPath: 'fake', cacheDir: join(root, 'cache'), source: { kind: 'folder', dir: masks }, deps, items: [{ cls: 'cat', feature: 0, entries }] });
  const cold = await job();
  assert.deepEqual(n, { sessions: 1, warmLoads: 1, adapted: 1 }, 'cold: one session, made from the adapted bytes');
  const warm = await job();
  assert.deepEqual(n, { sessions: 1, warmLoads: 2, adapted: 1 }, 'warm: the cached maps need no session and no adapted model');
  assert.deepEqual(warm.pairs.map((p) => p.score.mean), cold.pairs.map((p) => p.score.mean));
});
