// Core cropping's engine side that touches files: geometry back to original pixels, the region decode, the crop
// job (maps, boxes and crops with one model load; in process and in a child), and the export folder's rules. When forked with SPL_CROP_WORKER=1 this file is
// not a test but a worker serving the IPC protocol with the fake model (real sharp decoding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { inputBoxToOriginal } from '../../src/engine/crop/geometry';
import { classifyCrops, type CropItem } from '../../src/engine/crop/cropFeatures';
import { runCropJob, type CropJobItem } from '../../src/engine/crop/cropJob';
import { withModel } from '../../src/engine/extract/batchJob';
import { abandonExport, beginExport, CropExportError, cropFileName, planExport, writeManifest } from '../../src/engine/crop/exportPlan';
import { isInsideFolder } from '../../src/engine/fs/insideFolder';
import { decodeInto, decodeRegionInto } from '../../src/engine/native/sharp';
import { childRunner } from '../../src/engine/jobs/runInChild';
import { serveJobs } from '../../src/engine/jobs/serve';
import type { ExtractDeps, ExtractProgress } from '../../src/engine/extract/types';
import { FAKE_DIM, entryOf, fakeDeps, fakeFeatures } from './extractFakes';

const tmp = () => mkdtempSync(join(tmpdir(), 'spl-crop-'));

/** classifyCrops with the model loaded by batchJob's frame, as the crop job calls it. */
function classify(items: CropItem[], deps: ExtractDeps, onProgress?: (p: ExtractProgress) => void) {
  return withModel({ modelPath: 'fake', deps, total: items.length, cancelMessage: 'cancelled', onProgress }, (job) => classifyCrops(job, items, { growth: 0.2 }));
}

/** Fake adapters that count model loads, inference sessions and map decodes (crops decode with sharp itself). */
function countingDeps() {
  const n = { loads: 0, sessions: 0, decodes: 0 };
  const base = fakeDeps({ onDecode: () => n.decodes++ });
  const deps: ExtractDeps = {
    ...base,
    loadModel: (p) => { n.loads++; return base.loadModel(p); },
    createModel: (a, i, o) => { n.sessions++; return base.createModel(a, i, o); },
  };
  return { deps, n };
}

/** A w x h PNG whose pixel (x, y) is (x * 5, y * 7, (x + y) * 3) mod 256: every region differs. */
async function gradientPng(path: string, w: number, h: number): Promise<void> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([(x * 5) % 256, (y * 7) % 256, ((x + y) * 3) % 256], (y * w + x) * 3);
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
}

if (process.env.SPL_CROP_WORKER === '1') {
  serveJobs(fakeDeps());
} else {
  test('inputBoxToOriginal undoes resize (shorter side) and center crop, per axis', () => {
    // 100 x 50, resize 32 -> 64 x 32, crop 32 -> left 16, top 0; scale 100/64 = 50/32 = 1.5625.
    const pre = { resize: 32, crop: 32, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
    assert.deepEqual(inputBoxToOriginal({ x0: 4, y0: 2, x1: 6, y1: 4 }, { width: 100, height: 50 }, pre), { x0: 31.25, y0: 3.125, x1: 34.375, y1: 6.25 });
    // 30 x 45, resize 10 -> 10 x 15 (15 = floor(10 * 45 / 30)), crop 8 -> left 1, top round-half-even(3.5) = 4; scale 3.
    const pre2 = { ...pre, resize: 10, crop: 8 };
    assert.deepEqual(inputBoxToOriginal({ x0: 0, y0: 0, x1: 8, y1: 8 }, { width: 30, height: 45 }, pre2), { x0: 3, y0: 12, x1: 27, y1: 36 });
  });

  test('inputBoxToOriginal clips to the image and is null for a box wholly in the padding', () => {
    // 4 x 4 image, resize 4, crop 8: the image sits at offset (-2, -2) in the crop; scale 1.
    const pre = { resize: 4, crop: 8, mean: [0, 0, 0] as [number, number, number], std: [1, 1, 1] as [number, number, number] };
    assert.deepEqual(inputBoxToOriginal({ x0: 1, y0: 1, x1: 4, y1: 4 }, { width: 4, height: 4 }, pre), { x0: 0, y0: 0, x1: 2, y1: 2 });
    assert.equal(inputBoxToOriginal({ x0: 0, y0: 0, x1: 2, y1: 2 }, { width: 4, height: 4 }, pre), null);
  });

  test('decodeRegionInto of the whole image equals decodeInto; a region outside the image is refused', async () => {
    const dir = tmp();
    const png = join(dir, 'g.png');
    await gradientPng(png, 40, 20);
    const pre = { resize: 12, crop: 10, mean: [0.5, 0.5, 0.5] as [number, number, number], std: [0.25, 0.25, 0.25] as [number, number, number] };
    const a = new Float32Array(300);
    const b = new Float32Array(300);
    await decodeInto(png, pre, a, 0, { pixelLimit: 1e6 });
    await decodeRegionInto(png, { x: 0, y: 0, width: 40, height: 20 }, pre, b, 0, { pixelLimit: 1e6 });
    assert.deepEqual(b, a);
    await assert.rejects(decodeRegionInto(png, { x: 30, y: 0, width: 20, height: 20 }, pre, b, 0, { pixelLimit: 1e6 }), /does not lie inside the 40x20 image/);
  });

  test('classifyCrops maps, grows, squares and clamps the box in original pixels, classifies the region and exports it', async () => {
    const dir = tmp();
    const png = join(dir, 'g.png');
    await gradientPng(png, 40, 20);
    // fake model: resize 4, crop 4 -> 8 x 4, left 2; scale 5. Input box (1,1)-(3,3) -> original x 15..25, y 5..15
    // (10 x 10) -> grown 12 -> centre (20, 10) -> x 14, y 4.
    const out = join(dir, 'out', 'g.png');
    const events: ExtractProgress[] = [];
    const r = await classify([
      { path: png, rel: 'g.png', inputBox: { x0: 1, y0: 1, x1: 3, y1: 3 }, exportTo: out },
      { path: join(dir, 'missing.png'), rel: 'missing.png', inputBox: { x0: 0, y0: 0, x1: 1, y1: 1 }, exportTo: null },
    ], fakeDeps(), (p) => events.push(p));
    assert.equal(r.dim, FAKE_DIM);
    assert.deepEqual(r.items[0].box, { x: 14, y: 4, width: 12, height: 12 });
    assert.deepEqual(r.items[0].imageSize, { width: 40, height: 20 });
    assert.equal(r.items[0].row, 0);
    assert.equal(r.items[1].row, -1);
    assert.equal(r.items[1].failure?.reason, 'unreadable');
    const input = new Float32Array(48);
    await decodeRegionInto(png, { x: 14, y: 4, width: 12, height: 12 }, { resize: 4, crop: 4, mean: [0, 0, 0], std: [1, 1, 1] }, input, 0, { pixelLimit: 1e6 });
    assert.deepEqual(r.features, fakeFeatures(input, 0));
    // the exported crop is the full-resolution region
    const { data, info } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height], [12, 12]);
    assert.deepEqual([...data.subarray(0, 3)], [14 * 5, 4 * 7, 18 * 3]);
    assert.equal(events.at(-1)?.phase, 'done');
  });

  /** Three gradient images and one missing file, each with core features 1 and 4. */
  async function jobItems(dir: string): Promise<CropJobItem[]> {
    const items: CropJobItem[] = [];
    for (let i = 0; i < 3; i++) {
      await gradientPng(join(dir, `g${i}.png`), 40 + 4 * i, 20);
      items.push({ entry: await entryOf(dir, `g${i}.png`, 'cat'), core: [4, 1], exportTo: null });
    }
    items.push({ entry: { ...items[0].entry, path: join(dir, 'missing.png'), rel: 'missing.png' }, core: [1], exportTo: null });
    return items;
  }

  test('runCropJob: one model load for maps and crops, boxes from the mean core map, maps cached for the next run, one progress', async () => {
    const dir = tmp();
    const cacheDir = tmp();
    const items = await jobItems(dir);
    const { deps, n } = countingDeps();
    const events: ExtractProgress[] = [];
    const r = await runCropJob({ modelPath: 'fake', cacheDir, items, threshold: 0.9, growth: 0.2, deps, onProgress: (p) => events.push(p) });
    assert.deepEqual(n, { loads: 1, sessions: 1, decodes: 4 });
    // the fake map of feature d is f_d * (1, 2, 3, 4) on 2 x 2, so every mean core NAM is (0.25, 0.5, 0.75, 1); upsampled
    // to the 4 x 4 input (torch bilinear) the bottom row is (0.75, 0.8125, 0.9375, 1): at 0.9 the box is x 2..4, y 3..4
    assert.deepEqual(r.inputBoxes, [...Array(3).fill({ x0: 2, y0: 3, x1: 4, y1: 4 }), null]);
    assert.deepEqual(r.mapFailures.map((f) => [f.rel, f.reason]), [['missing.png', 'unreadable']]);
    // the crops are what classifyCrops gives those boxes
    const alone = await classify(items.slice(0, 3).map((it) => ({ path: it.entry.path, rel: it.entry.rel, inputBox: { x0: 2, y0: 3, x1: 4, y1: 4 }, exportTo: null })), fakeDeps());
    assert.deepEqual(r.crops, alone);
    assert.equal(r.crops.items.length, 3);
    // one count: a map and a crop per image; the missing image's map failed and it has no crop to make
    const last = events.at(-1)!;
    assert.deepEqual([last.phase, last.done, last.total, last.failed], ['done', 8, 8, 1]);
    assert.ok(events.every((e, i) => i === 0 || e.done >= events[i - 1].done), 'done never goes back');

    // the next run reads the maps from the store: no map decode, still one load
    const again = countingDeps();
    const events2: ExtractProgress[] = [];
    const r2 = await runCropJob({ modelPath: 'fake', cacheDir, items: items.slice(0, 3), threshold: 0.9, growth: 0.2, deps: again.deps, onProgress: (p) => events2.push(p) });
    assert.deepEqual(again.n, { loads: 1, sessions: 1, decodes: 0 });
    assert.deepEqual(r2.inputBoxes, r.inputBoxes.slice(0, 3));
    assert.deepEqual(r2.crops, r.crops);
    // the stored maps count as done without inference: 3 of the 6 units
    assert.deepEqual([events2.at(-1)?.done, events2.at(-1)?.total, events2.at(-1)?.cached], [6, 6, 3]);
    await assert.rejects(runCropJob({ modelPath: 'fake', cacheDir, items: [{ ...items[0], core: [] }], threshold: 0.9, growth: 0.2, deps }), /g0\.png: a crop needs at least one core feature/);
    await assert.rejects(runCropJob({ modelPath: 'fake', cacheDir, items, threshold: 0, growth: 0.2, deps }), /threshold must be in \(0, 1\]/);
  });

  test('the crop job in a child returns what the in-process job returns, and a cancelled job rejects', async () => {
    const dir = tmp();
    const items = await jobItems(dir);
    const env = { ...process.env, SPL_CROP_WORKER: '1' };
    const events: ExtractProgress[] = [];
    const cropInChild = childRunner('crop', { workerPath: __filename, env });
    const child = await cropInChild({ modelPath: 'fake', cacheDir: tmp(), threshold: 0.9, growth: 0.2, items }, { onProgress: (p) => events.push(p) });
    const local = await runCropJob({ modelPath: 'fake', cacheDir: tmp(), threshold: 0.9, growth: 0.2, items, deps: fakeDeps() });
    assert.deepEqual(child, local);
    assert.deepEqual([events.at(-1)?.done, events.at(-1)?.total], [8, 8]);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(cropInChild({ modelPath: 'fake', cacheDir: tmp(), threshold: 0.9, growth: 0.2, items }, { signal: ac.signal }), { name: 'AbortError' });
  });

  test('planExport refuses a folder inside the dataset', async () => {
    const root = tmp();
    await assert.rejects(planExport(join(root, 'crops'), root, ['a/x.png'], false), (e: Error) => e instanceof CropExportError && /inside the dataset folder/.test(e.message));
    await assert.rejects(planExport(root, root, ['a/x.png'], false), /inside the dataset folder/);
    // a folder whose name merely starts with '..' is still inside
    await assert.rejects(planExport(join(root, '..crops'), root, [], true), /inside the dataset folder/);
    await assert.rejects(planExport(join(root, 'sub', '..x'), root, [], true), /inside the dataset folder/);
    // next to the dataset is fine, and so is a sibling whose name extends the dataset's
    assert.equal((await planExport(join(root, '..', `${basename(root)}-crops`), root, [], true)).dest.size, 0);
  });

  test('isInsideFolder: only a whole ".." segment leads out', () => {
    assert.equal(isInsideFolder('/data/set', '/data/set'), true);
    assert.equal(isInsideFolder('/data/set/..crops', '/data/set'), true);
    assert.equal(isInsideFolder('/data/set/a/../b', '/data/set'), true);
    assert.equal(isInsideFolder('/data/set/../set-crops', '/data/set'), false);
    assert.equal(isInsideFolder('/data', '/data/set'), false);
  });

  test('planExport refuses a file as the export folder', async () => {
    const root = tmp();
    const file = join(tmp(), 'out.txt');
    writeFileSync(file, 'x');
    await assert.rejects(planExport(file, root, [], true), (e: Error) => e instanceof CropExportError && /is a file: it must be a folder/.test(e.message));
  });

  test('planExport never overwrites a file no earlier export wrote, and the manifest keeps earlier rows', async () => {
    const root = tmp();
    const out = tmp();
    mkdirSync(join(out, 'a'));
    writeFileSync(join(out, 'a', 'x.png'), 'mine');
    await assert.rejects(planExport(out, root, ['a/x.png', 'a/y.jpg'], false), /already holds 1 file\(s\).*a\/x\.png/);
    // manifest-only exports write no crop file, so they cannot clash
    const mOnly = await planExport(out, root, ['a/x.png'], true);
    assert.equal(mOnly.dest.size, 0);

    const empty = tmp();
    const plan = await planExport(empty, root, ['a/x.png', 'b/z.webp'], false);
    assert.equal(plan.dest.get('b/z.webp'), join(empty, 'b', 'z.webp.png'));
    const row = (image: string, file: string | null) => ({ image, file, class: 'a', box: { x: 0, y: 0, width: 1, height: 1 }, imageSize: { width: 2, height: 2 }, reliable: true, original: 'a', cropped: 'a' });
    mkdirSync(join(empty, 'a'));
    writeFileSync(plan.dest.get('a/x.png')!, 'crop');
    await writeManifest(plan, { dataset: root, model: 'm', params: { threshold: 0.9, growth: 0.2, reliableFraction: 0.2 } }, [row('a/x.png', 'a/x.png')]);
    // a second export may replace the file the first one wrote; its manifest keeps the first one's other rows
    const again = await planExport(empty, root, ['b/z.webp'], false);
    await writeManifest(again, { dataset: root, model: 'm', params: { threshold: 0.9, growth: 0.2, reliableFraction: 0.2 } }, [row('b/z.webp', 'b/z.webp.png')]);
    const m = JSON.parse(readFileSync(join(empty, 'crop-manifest.json'), 'utf8'));
    assert.equal(m.schema, 'spuriosity-lens/crop-manifest@1');
    assert.deepEqual(m.crops.map((c: { image: string }) => c.image), ['a/x.png', 'b/z.webp']);
    await planExport(empty, root, ['a/x.png'], false);

    writeFileSync(join(out, 'crop-manifest.json'), '{"not": "ours"}');
    await assert.rejects(planExport(out, root, [], true), /not a crop manifest written by spuriosity/);
  });

  test('an export that crashed after beginExport: its files are ours to replace, listed as pending until an export lists them as crops', async () => {
    const root = tmp();
    const out = tmp();
    const header = { dataset: root, model: 'm', params: { threshold: 0.9, growth: 0.2, reliableFraction: 0.2 } };
    const row = (image: string, file: string) => ({ image, file, class: 'a', box: { x: 0, y: 0, width: 1, height: 1 }, imageSize: { width: 2, height: 2 }, reliable: true, original: 'a', cropped: 'a' });
    const manifest = () => JSON.parse(readFileSync(join(out, 'crop-manifest.json'), 'utf8'));
    const first = await planExport(out, root, ['a/x.png', 'a/y.png', 'b/z.png'], false);
    await beginExport(first, header);
    assert.deepEqual(manifest().pending, ['a/x.png', 'a/y.png', 'b/z.png']);
    // the process dies after writing one crop: no abandonExport, no final manifest
    mkdirSync(join(out, 'a'));
    writeFileSync(join(out, 'a', 'x.png'), 'crop');
    // the next export of other images keeps the crashed one's file as pending (it exists; the others never did)
    const second = await planExport(out, root, ['b/z.png'], false);
    await beginExport(second, header);
    writeFileSync(join(out, 'a', 'user.png'), 'mine');
    mkdirSync(join(out, 'b'));
    writeFileSync(join(out, 'b', 'z.png'), 'crop');
    await writeManifest(second, header, [row('b/z.png', 'b/z.png')]);
    assert.deepEqual(manifest().crops.map((c: { image: string }) => c.image), ['b/z.png']);
    assert.deepEqual(manifest().pending, ['a/x.png']);
    // so an export of a/x.png may replace it, while the user's file beside it stays refused
    await planExport(out, root, ['a/x.png'], false);
    await assert.rejects(planExport(out, root, ['a/x.png', 'a/user.png'], false), /already holds 1 file\(s\).*a\/user\.png/);
    const third = await planExport(out, root, ['a/x.png'], false);
    await abandonExport(third, header);
    assert.deepEqual(manifest().pending, ['a/x.png'], 'abandoning keeps the earlier rows and pending files that exist');
    assert.deepEqual(manifest().crops.map((c: { image: string }) => c.image), ['b/z.png']);
    await writeManifest(third, header, [row('a/x.png', 'a/x.png')]);
    assert.equal(manifest().pending, undefined);
    assert.deepEqual(manifest().crops.map((c: { image: string }) => c.image), ['a/x.png', 'b/z.png']);
  });

  test('cropFileName keeps JPEG and PNG names and appends .png to other formats', () => {
    assert.equal(cropFileName('a/x.JPG'), 'a/x.JPG');
    assert.equal(cropFileName('a/x.png'), 'a/x.png');
    assert.equal(cropFileName('a/x.tiff'), 'a/x.tiff.png');
  });
}
