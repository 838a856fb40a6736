// Core cropping over a synthetic session with a fake runner: selection (negative-gap re-check, class, images),
// boxes from the mean core map, reliability, original vs cropped predictions with the session head, counts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { analyzeCrops } from '../../src/engine/crop/analyze';
import type { CropRunner } from '../../src/engine/crop/runner';
import type { CropJobRequest } from '../../src/engine/crop/cropJob';
import { inputBox } from '../../src/engine/crop/inputBoxes';
import type { CropProgress } from '../../src/engine/crop/types';
import type { Dataset, ImageEntry } from '../../src/engine/dataset/types';
import { ExtractCancelledError, type ExtractResult } from '../../src/engine/extract/types';
import type { ModelInfo } from '../../src/engine/model/types';
import { mulberry32 } from '../../src/core/random';
import { argmaxRows } from '../../src/core/linalg';

// Class a: feature 0 its object, feature 2 a cue in 36 of 40 training and 10 of 20 validation images; class b:
// feature 1. Head: a = f0, b = f1 + 0.8 f2 + 0.3, so a's cue images are read as b: with f2 labelled spurious for a,
// its high-spuriosity images are the wrong ones (a negative gap), and a crop without the cue is read as a again.
function session(valPerClass = 20) {
  const r = mulberry32(11);
  const rng = () => r.next();
  const entries: ImageEntry[] = [];
  const rows: number[][] = [];
  const add = (label: string, split: 'train' | 'val', i: number, cue: boolean) => {
    const obj = 0.6 + 0.4 * rng();
    const noise = () => 0.05 * rng();
    rows.push(label === 'a' ? [obj, noise(), cue ? 1 + rng() : noise()] : [noise(), obj, noise()]);
    entries.push({ path: `/d/${split}/${label}/${i}.png`, rel: `${split}/${label}/${i}.png`, label, split, size: 1, mtimeMs: 1 });
  };
  for (const label of ['a', 'b']) {
    for (let i = 0; i < 40; i++) add(label, 'train', i, label === 'a' && i < 36);
    for (let i = 0; i < valPerClass; i++) add(label, 'val', i, label === 'a' && i < valPerClass / 2);
  }
  const headWeight = Float32Array.from([1, 0, 0, 0, 1, 0.8]);
  const headBias = Float32Array.from([0, 0.3]);
  const logits = Float32Array.from(rows.flatMap((x) => [x[0], x[1] + 0.8 * x[2] + 0.3]));
  const model: ModelInfo = {
    path: '/m/model.onnx', sha256: 'cd'.repeat(32), inputName: 'input', pooledOutput: 'p', logitsOutput: 'l', spatialOutput: 's',
    dim: 3, classes: 2, spatialShape: [3, 4, 4], headWeight, headBias,
    card: { preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] } }, labels: ['a', 'b'],
  };
  const dataset: Dataset = { root: '/d', layout: 'imagefolder-splits', validationSource: 'val', classes: ['a', 'b'], images: entries, skipped: [] };
  const extraction = {
    model, entries, features: Float32Array.from(rows.flat()), logits, predicted: argmaxRows({ rows: rows.length, cols: 2, data: logits }),
    failures: [], skipped: [], cacheHits: 0, computed: entries.length, seconds: 0,
  } as ExtractResult;
  const store = new MemoryLabelStore([
    { cls: 'a', feature: 0, verdict: { label: 'core' } },
    { cls: 'a', feature: 2, verdict: { label: 'spurious', subtype: 'background' } },
  ]);
  return { s: AnalysisSession.create(dataset, extraction, store, { bootstrap: 0 }), rows };
}

/**
 * A fake crop job: maps peak at cell (x 2, y 1) of 4 x 4, except `dark` images (all zero), and the box is cut by the
 * engine's own inputBox; `nomap` images fail to map, `broken` ones fail to crop; crops read as [0.9, 0, 0].
 */
function fakeRunner(dark: Set<string>, broken: Set<string>, nomap = new Set<string>(), o: { cancelAfterFiles?: number } = {}) {
  const calls = { jobs: [] as CropJobRequest[] };
  const runner: CropRunner = async (req, hooks = {}) => {
      const { onProgress } = hooks;
      calls.jobs.push(req);
      const n = req.items.length;
      const tick = (done: number, failed: number) => onProgress?.({ phase: 'extracting', done, total: 2 * n, cached: 0, failed, imagesPerSecond: 0, etaSeconds: null });
      tick(0, 0);
      const features = [...new Set(req.items.flatMap((it) => it.core))].sort((a, b) => a - b);
      const inputBoxes = req.items.map((it) => {
        if (nomap.has(it.entry.rel)) return null;
        const maps = features.map(() => {
          const m = new Float32Array(16);
          if (!dark.has(it.entry.rel)) m[1 * 4 + 2] = 3;
          return m;
        });
        return inputBox(maps, features, it.core, { h: 4, w: 4 }, 8, req.threshold);
      });
      tick(n, nomap.size);
      const toCrop = req.items.filter((_, i) => inputBoxes[i]);
      const ok = toCrop.filter((it) => !broken.has(it.entry.rel));
      // exported crops are written as the job goes; cancelAfterFiles stops it midway, as a cancel would
      let written = 0;
      for (const it of ok) {
        if (!it.exportTo) continue;
        if (written === o.cancelAfterFiles) throw new ExtractCancelledError('core cropping cancelled');
        mkdirSync(dirname(it.exportTo), { recursive: true });
        writeFileSync(it.exportTo, `crop of ${it.entry.rel}`);
        written++;
      }
      tick(2 * n, nomap.size + toCrop.length - ok.length);
      let row = 0;
      return {
        inputBoxes,
        mapFailures: req.items.filter((it) => nomap.has(it.entry.rel)).map((it) => ({ path: it.entry.path, rel: it.entry.rel, reason: 'corrupt' as const, message: `${it.entry.rel}: corrupt` })),
        crops: {
          dim: 3,
          features: Float32Array.from(ok.flatMap(() => [0.9, 0, 0])),
          items: toCrop.map(({ entry: { rel } }) => broken.has(rel)
            ? { rel, imageSize: null, box: null, squareClipped: false, row: -1, file: null, failure: { reason: 'corrupt' as const, message: `${rel}: corrupt` } }
            : { rel, imageSize: { width: 16, height: 16 }, box: { x: 4, y: 4, width: 8, height: 8 }, squareClipped: false, row: row++, file: req.items.find((it) => it.entry.rel === rel)!.exportTo, failure: null }),
        },
      };
  };
  return { runner, calls };
}

test('re-check: the negative-gap class\'s highest-spuriosity validation images, original vs cropped', async () => {
  const { s, rows } = session();
  assert.deepEqual(s.gaps.classes.filter((g) => g.negative).map((g) => s.classNames[g.cls]), ['a']);
  const { runner, calls } = fakeRunner(new Set(['val/a/0.png']), new Set(['val/a/1.png']), new Set(['val/a/2.png']));
  const events: CropProgress[] = [];
  const r = await analyzeCrops(s, { scope: 'recheck', cacheDir: '/c', onProgress: (p) => events.push(p) }, runner);
  assert.equal(r.schema, 'spuriosity-lens/crop@1');
  assert.equal(r.k, 10);
  assert.deepEqual(r.classes.map((c) => c.name), ['a']);
  const a = r.classes[0];
  assert.deepEqual(a.coreFeatures, [0]);
  assert.equal(a.gap, -100);
  // the 10 cue images, highest spuriosity first
  assert.deepEqual(a.images.map((im) => im.image).sort(), Array.from({ length: 10 }, (_, i) => `val/a/${i}.png`).sort());
  const sp = a.images.map((im) => im.spuriosity!);
  assert.deepEqual(sp, [...sp].sort((x, y) => y - x));
  // one job for maps and crops: every image with the class's core features, the paper's threshold and growth
  assert.equal(calls.jobs.length, 1);
  const job = calls.jobs[0];
  assert.deepEqual(job.items.map((it) => it.entry.rel), a.images.map((im) => im.image));
  assert.ok(job.items.every((it) => it.core.join() === '0' && it.exportTo === null));
  assert.deepEqual([job.threshold, job.growth, job.modelPath, job.cacheDir], [0.9, 0.2, '/m/model.onnx', '/c']);
  const dark = a.images.find((im) => im.image === 'val/a/0.png')!;
  assert.equal(dark.box, null);
  assert.match(dark.noBoxReason!, /do not activate/);
  assert.match(a.images.find((im) => im.image === 'val/a/1.png')!.noBoxReason!, /corrupt/);
  assert.match(a.images.find((im) => im.image === 'val/a/2.png')!.noBoxReason!, /val\/a\/2\.png: corrupt/);
  assert.deepEqual(r.failures.map((f) => f.image), ['val/a/2.png', 'val/a/1.png']);
  // every cue image was read as b; its crop (no cue) as a: all fixed
  assert.deepEqual({ ...a.counts }, { images: 10, cropped: 7, changed: 7, fixed: 7, broken: 0, reliable: a.counts.reliable, accOriginal: 0, accCropped: 100 });
  for (const im of a.images.filter((x) => x.cropped)) {
    assert.equal(im.original.predicted, 'b');
    assert.equal(im.cropped!.predicted, 'a');
    assert.equal(im.change, 'fixed');
    assert.ok(im.cropped!.confidence > 0.5 && im.cropped!.confidence <= 1);
  }
  // reliable = top ceil(20% of 60) = 12 of class a's images by core activation (feature 0 alone: its raw order)
  const classA = rows.map((x, i) => ({ f0: x[0], i })).filter((_, i) => s.labels[i] === 0).sort((p, q) => q.f0 - p.f0);
  const top = new Set(classA.slice(0, 12).map((x) => s.entries[x.i].rel));
  for (const im of a.images) assert.equal(im.reliable, top.has(im.image), im.image);
  assert.equal(a.reliableCutoff !== null, true);
  // one count over maps (the first 10 units) and crops (the next 10)
  assert.deepEqual(events.map((e) => [e.phase, e.done, e.total]), [['maps', 0, 20], ['maps', 0, 20], ['crops', 10, 20], ['crops', 20, 20], ['done', 20, 20]]);
  assert.doesNotThrow(() => JSON.stringify(r));
});

test('a class without a core label gets no crops and says so; the runner is not called', async () => {
  const { s } = session();
  const { runner, calls } = fakeRunner(new Set(), new Set());
  const r = await analyzeCrops(s, { scope: 'class', classes: ['b'], cacheDir: '/c' }, runner);
  assert.match(r.classes[0].noCropReason!, /no top feature of "b" is labelled core/);
  assert.equal(r.classes[0].images.length, 60);
  assert.ok(r.classes[0].images.every((im) => im.box === null && im.cropped === null && im.coreActivation === null));
  assert.equal(calls.jobs.length, 0);
});

test('images scope, unknown names, an export inside the dataset, and cancellation', async () => {
  const { s } = session();
  const { runner } = fakeRunner(new Set(), new Set());
  const one = await analyzeCrops(s, { scope: 'images', images: ['val/a/12.png'], cacheDir: '/c' }, runner);
  assert.equal(one.classes[0].images[0].image, 'val/a/12.png');
  assert.equal(one.classes[0].images[0].change, 'same');
  await assert.rejects(analyzeCrops(s, { scope: 'class', classes: ['zebra'], cacheDir: '/c' }, runner), /Unknown class "zebra".*a, b/);
  await assert.rejects(analyzeCrops(s, { scope: 'images', images: ['nope.png'], cacheDir: '/c' }, runner), /"nope.png" is not in the dataset/);
  await assert.rejects(analyzeCrops(s, { scope: 'recheck', cacheDir: '/c', exportDir: '/d/crops' }, runner), /inside the dataset folder/);
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(analyzeCrops(s, { scope: 'recheck', cacheDir: '/c', signal: ac.signal }, runner), { name: 'AbortError' });
});

test('an export cancelled midway leaves its crops listed as pending: exporting again to the folder succeeds, user files stay refused', async () => {
  const { s } = session();
  const out = mkdtempSync(join(tmpdir(), 'spl-crop-cancel-'));
  const manifest = () => JSON.parse(readFileSync(join(out, 'crop-manifest.json'), 'utf8'));
  const half = fakeRunner(new Set(), new Set(), new Set(), { cancelAfterFiles: 30 });
  await assert.rejects(analyzeCrops(s, { scope: 'class', classes: ['a'], cacheDir: '/c', exportDir: out }, half.runner), { name: 'AbortError' });
  const written = half.calls.jobs[0].items.slice(0, 30).map((it) => it.entry.rel);
  assert.ok(existsSync(join(out, written[29])) && !existsSync(join(out, 'val/a/19.png')), 'the cancelled job wrote 30 of 60 crops');
  const left = manifest();
  assert.deepEqual(left.crops, []);
  assert.deepEqual(left.pending, [...written].sort());

  // a user's own file in the folder, where this class's export does not write
  writeFileSync(join(out, 'notes.txt'), 'mine');
  const full = fakeRunner(new Set(), new Set());
  const r = await analyzeCrops(s, { scope: 'class', classes: ['a'], cacheDir: '/c', exportDir: out }, full.runner);
  assert.equal(r.export?.files, 60);
  const done = manifest();
  assert.equal(done.crops.length, 60);
  assert.equal(done.pending, undefined, 'a finished export lists every file it wrote as a crop');
  assert.equal(readFileSync(join(out, written[0]), 'utf8'), `crop of ${written[0]}`);
  assert.equal(readFileSync(join(out, 'notes.txt'), 'utf8'), 'mine');

  // a user file where an export would write is still refused, after a cancelled export as before
  const other = mkdtempSync(join(tmpdir(), 'spl-crop-cancel-'));
  await assert.rejects(analyzeCrops(s, { scope: 'class', classes: ['a'], cacheDir: '/c', exportDir: other }, fakeRunner(new Set(), new Set(), new Set(), { cancelAfterFiles: 5 }).runner), { name: 'AbortError' });
  mkdirSync(join(other, 'val', 'a'), { recursive: true });
  writeFileSync(join(other, 'val/a/19.png'), 'mine');
  await assert.rejects(analyzeCrops(s, { scope: 'class', classes: ['a'], cacheDir: '/c', exportDir: other }, fakeRunner(new Set(), new Set()).runner), /would overwrite.*val\/a\/19\.png/);
  assert.equal(readFileSync(join(other, 'val/a/19.png'), 'utf8'), 'mine');

  // cancelled before any crop was written, into a folder that had no manifest: nothing is left behind
  const empty = mkdtempSync(join(tmpdir(), 'spl-crop-cancel-'));
  await assert.rejects(analyzeCrops(s, { scope: 'class', classes: ['a'], cacheDir: '/c', exportDir: empty }, fakeRunner(new Set(), new Set(), new Set(), { cancelAfterFiles: 0 }).runner), { name: 'AbortError' });
  assert.equal(existsSync(join(empty, 'crop-manifest.json')), false);
});

test('re-check of a class with fewer than 2k validation images: the k its gap used, never its low-spuriosity end', async () => {
  // 8 validation images of a, 4 with the cue: the gap uses k = min(10, 8 / 2) = 4 at each end.
  const { s } = session(8);
  const g = s.gaps.classes.find((x) => s.classNames[x.cls] === 'a')!;
  assert.equal(g.k, 4);
  assert.ok(g.negative);
  const { runner } = fakeRunner(new Set(), new Set());
  const cue = Array.from({ length: 4 }, (_, i) => `val/a/${i}.png`);
  const r = await analyzeCrops(s, { scope: 'recheck', cacheDir: '/c' }, runner);
  assert.deepEqual(r.classes[0].images.map((im) => im.image).sort(), cue);
  // an explicit k is capped the same way
  const big = await analyzeCrops(s, { scope: 'recheck', k: 6, cacheDir: '/c' }, runner);
  assert.deepEqual(big.classes[0].images.map((im) => im.image).sort(), cue);
  await assert.rejects(analyzeCrops(s, { scope: 'class', classes: ['a'], k: 3, cacheDir: '/c' }, runner), /re-check only/);
});
