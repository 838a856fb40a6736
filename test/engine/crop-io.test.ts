// Core cropping's engine side that touches files: geometry back to original pixels, the region decode, the crop
// job (in process and in a child), and the export folder's rules. When forked with SPL_CROP_WORKER=1 this file is
// not a test but a worker serving the IPC protocol with the fake model (real sharp decoding).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { inputBoxToOriginal } from '../../src/engine/crop/geometry';
import { cropFeatures } from '../../src/engine/crop/cropFeatures';
import { CropExportError, cropFileName, planExport, writeManifest } from '../../src/engine/crop/exportPlan';
import { isInsideFolder } from '../../src/engine/fs/insideFolder';
import { decodeInto, decodeRegionInto } from '../../src/engine/native/sharp';
import { cropInChild } from '../../src/engine/extract/runInChild';
import { serveExtraction } from '../../src/engine/extract/serve';
import type { ExtractProgress } from '../../src/engine/extract/types';
import { FAKE_DIM, fakeDeps, fakeFeatures } from './extractFakes';

const tmp = () => mkdtempSync(join(tmpdir(), 'spl-crop-'));

/** A w x h PNG whose pixel (x, y) is (x * 5, y * 7, (x + y) * 3) mod 256: every region differs. */
async function gradientPng(path: string, w: number, h: number): Promise<void> {
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set([(x * 5) % 256, (y * 7) % 256, ((x + y) * 3) % 256], (y * w + x) * 3);
  await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).png().toFile(path);
}

if (process.env.SPL_CROP_WORKER === '1') {
  serveExtraction(fakeDeps());
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

  test('cropFeatures maps, grows, squares and clamps the box in original pixels, classifies the region and exports it', async () => {
    const dir = tmp();
    const png = join(dir, 'g.png');
    await gradientPng(png, 40, 20);
    // fake model: resize 4, crop 4 -> 8 x 4, left 2; scale 5. Input box (1,1)-(3,3) -> original x 15..25, y 5..15
    // (10 x 10) -> grown 12 -> centre (20, 10) -> x 14, y 4.
    const out = join(dir, 'out', 'g.png');
    const events: ExtractProgress[] = [];
    const r = await cropFeatures({
      modelPath: 'fake', growth: 0.2, deps: fakeDeps(), onProgress: (p) => events.push(p),
      items: [
        { path: png, rel: 'g.png', inputBox: { x0: 1, y0: 1, x1: 3, y1: 3 }, exportTo: out },
        { path: join(dir, 'missing.png'), rel: 'missing.png', inputBox: { x0: 0, y0: 0, x1: 1, y1: 1 }, exportTo: null },
      ],
    });
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

  test('cropInChild returns what the in-process job returns, and a cancelled job rejects', async () => {
    const dir = tmp();
    const png = join(dir, 'g.png');
    await gradientPng(png, 40, 20);
    const items = Array.from({ length: 3 }, (_, i) => ({ path: png, rel: `g${i}.png`, inputBox: { x0: i, y0: 0, x1: i + 1, y1: 2 }, exportTo: null }));
    const env = { ...process.env, SPL_CROP_WORKER: '1' };
    const child = await cropInChild({ modelPath: 'fake', growth: 0.2, items, workerPath: __filename, env });
    const local = await cropFeatures({ modelPath: 'fake', growth: 0.2, items, deps: fakeDeps() });
    assert.deepEqual(child, local);
    const ac = new AbortController();
    ac.abort();
    await assert.rejects(cropInChild({ modelPath: 'fake', growth: 0.2, items, workerPath: __filename, env, signal: ac.signal }), { name: 'AbortError' });
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

  test('cropFileName keeps JPEG and PNG names and appends .png to other formats', () => {
    assert.equal(cropFileName('a/x.JPG'), 'a/x.JPG');
    assert.equal(cropFileName('a/x.png'), 'a/x.png');
    assert.equal(cropFileName('a/x.tiff'), 'a/x.tiff.png');
  });
}
