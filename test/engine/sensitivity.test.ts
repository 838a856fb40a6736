// Feature sensitivity in the engine: the job (in-process and in a child, with progress, failures and
// cancellation), the parent's analysis on a session with a hand-set head, and the real worker entry.
// When forked with SPL_FAKE_WORKER=1 this file is not a test but a worker with fake adapters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { serveJobs } from '../../src/engine/jobs/serve';
import { childRunner } from '../../src/engine/jobs/runInChild';
import { extract } from '../../src/engine/extract/pipeline';
import { decodeCropRgb, decodeInto, DEFAULT_PIXEL_LIMIT } from '../../src/engine/native/sharp';
import { rgbToInput } from '../../src/engine/image/normalise';
import { runSensitivityJob, type SensitivityDeps, type SensitivityJobRequest, type SensitivityJobResult } from '../../src/engine/sensitivity/job';
import { measureSensitivity, type SensitivityRunner } from '../../src/engine/analysis/sensitivity/analyze';
import { coreFeaturesOf } from '../../src/engine/analysis/classFeatures';
import { inProcessRunner } from '../../src/engine/jobs/inProcess';
import { sensitivityScope } from '../../src/engine/analysis/sensitivity/scope';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { discoverDataset } from '../../src/engine/dataset/discover';
import type { ExtractProgress } from '../../src/engine/extract/types';
import { FAKE_DIM, fakeDeps, writeFakeDataset } from './extractFakes';
import { seededRgb } from '../helpers/hostile';
import { convGemmModel } from '../helpers/onnxBuilder';

const self = __filename;
const tmp = () => mkdtempSync(join(tmpdir(), 'spl-sens-'));

/** fakeDeps plus an RGB decoder reading the same bytes the fake decodeInto reads (so clean features match extraction). */
function sensDeps(runDelayMs = 0): SensitivityDeps {
  return {
    ...fakeDeps({ runDelayMs }),
    decodeCropRgb: async (path, pre) => {
      const bytes = await readFile(path);
      if (bytes.subarray(0, 3).toString() === 'BAD') throw Object.assign(new Error(`${path}: corrupt (bad header)`), { reason: 'corrupt' });
      const data = new Uint8Array(3 * pre.crop * pre.crop);
      for (let k = 0; k < data.length; k++) data[k] = bytes[k % bytes.length];
      // The fake model reads CHW; this HWC image holds the same bytes in CHW order once rgbToInput reorders it.
      const hwc = new Uint8Array(data.length);
      const plane = pre.crop * pre.crop;
      for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) hwc[p * 3 + c] = data[c * plane + p];
      return { data: hwc, width: pre.crop, height: pre.crop };
    },
    rgbToInput,
  };
}

if (process.env.SPL_FAKE_WORKER === '1') {
  serveJobs(sensDeps(Number(process.env.SPL_FAKE_DELAY ?? 0)));
} else {
  test('rgbToInput of decodeCropRgb is exactly decodeInto', async () => {
    const dir = tmp();
    const p = join(dir, 'a.png');
    await sharp(seededRgb(30, 20, 7), { raw: { width: 30, height: 20, channels: 3 } }).png().toFile(p);
    const pre = { resize: 12, crop: 10, mean: [0.4, 0.5, 0.6] as [number, number, number], std: [0.2, 0.25, 0.3] as [number, number, number] };
    const want = new Float32Array(300);
    await decodeInto(p, pre, want, 0, { pixelLimit: DEFAULT_PIXEL_LIMIT });
    const got = new Float32Array(300);
    rgbToInput((await decodeCropRgb(p, pre, { pixelLimit: DEFAULT_PIXEL_LIMIT })).data, pre, got, 0);
    assert.deepEqual(got, want);
    assert.throws(() => rgbToInput(new Uint8Array(5), pre, got, 0), /expected 10x10x3/);
  });

  const request = (entries: SensitivityJobRequest['entries'], items: SensitivityJobRequest['items']): SensitivityJobRequest =>
    ({ modelPath: 'fake', entries, items, batchSize: 4, seed: 5 });

  test('job: clean features match extraction, failures are flagged, progress counts every inference, deterministic', async () => {
    const dataset = await writeFakeDataset(tmp(), 6, [2]);
    const ex = await extract({ dataset, modelPath: 'fake', cacheDir: tmp(), deps: fakeDeps() });
    const entries = dataset.images;
    const items = [{ feature: 1, subtractFeatures: [], images: [0, 1, 2] }, { feature: 1, subtractFeatures: [0, 3], images: [3, 0] }];
    const events: ExtractProgress[] = [];
    const r = await runSensitivityJob({ ...request(entries, items), deps: sensDeps(), onProgress: (p) => events.push(p) });
    const bad = entries.findIndex((e) => e.rel === ex.failures[0].rel);
    assert.deepEqual(Array.from(r.failed).map((v, i) => [i, v]).filter(([, v]) => v).map(([i]) => i), [bad]);
    assert.deepEqual(r.failures.map((f) => f.reason), ['corrupt']);
    for (let i = 0; i < entries.length; i++) {
      if (i === bad) continue;
      const row = ex.entries.findIndex((e) => e.rel === entries[i].rel);
      for (let d = 0; d < FAKE_DIM; d++) assert.ok(Math.abs(r.clean[i * FAKE_DIM + d] - ex.features[row * FAKE_DIM + d]) < 2e-3 * Math.abs(ex.features[row * FAKE_DIM + d]) + 1e-6);
    }
    assert.equal(events.at(-1)!.done, events.at(-1)!.total);
    assert.equal(events.at(-1)!.total, 6 + 3 * 5);
    // Image 0 is in both items: the item that removes core masks corrupts less of it.
    assert.ok(r.items[1].maskMeans[1] > 0 && r.items[1].maskMeans[1] < r.items[0].maskMeans[0]);
    assert.ok(r.items[0].corrupted.every((m) => m.length === 3 * FAKE_DIM));
    const again = await runSensitivityJob({ ...request(entries, items), deps: sensDeps() });
    assert.deepEqual(again.items, r.items);
    await assert.rejects(runSensitivityJob({ ...request(entries, [{ feature: FAKE_DIM, subtractFeatures: [], images: [0] }]), deps: sensDeps() }), /out of range/);
  });

  test('job in a child equals in-process; cancellation rejects with AbortError', async () => {
    const dataset = await writeFakeDataset(tmp(), 8);
    const items = [{ feature: 2, subtractFeatures: [4], images: [0, 1, 2, 3] }];
    const env = { ...process.env, SPL_FAKE_WORKER: '1' };
    const events: ExtractProgress[] = [];
    const child = await childRunner('sensitivity', { workerPath: self, env })(request(dataset.images, items), { onProgress: (p) => events.push(p) });
    const local = await runSensitivityJob({ ...request(dataset.images, items), deps: sensDeps() });
    assert.deepEqual(child, local);
    assert.ok(events.length >= 2 && events.at(-1)!.done === events.at(-1)!.total);
    const c = new AbortController();
    const big = [{ feature: 2, subtractFeatures: [], images: [0, 1, 2, 3, 4, 5, 6, 7] }];
    const run = childRunner('sensitivity', { workerPath: self, env: { ...env, SPL_FAKE_DELAY: '50' }, graceMs: 2000 })({ ...request(dataset.images, big), batchSize: 1 }, { signal: c.signal, onProgress: (p) => { if (p.done >= 2) c.abort(); } });
    await assert.rejects(run, (e: Error) => e.name === 'AbortError');
  });

  test('analysis: top-activating images, core masks removed only for spurious features, sensitivity from the session head', async () => {
    const dataset = await writeFakeDataset(tmp(), 12);
    const ex = await extract({ dataset, modelPath: 'fake', cacheDir: tmp(), deps: fakeDeps() });
    const store = new MemoryLabelStore();
    const s = AnalysisSession.create(dataset, ex, store, { headMode: 'fit', topK: 3, bootstrap: 0 });
    // A head comparing feature 0 + 0.6 (class 0 = cat, winning ties) with feature 1 (dog): some images of each class go either way.
    s.useHead({ classes: 2, dim: FAKE_DIM, weight: Float32Array.from([1, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0]), bias: Float32Array.from([0.6, 0]) });
    const cat = s.classId('cat')!;
    const top = s.importance[cat].top;
    await store.set('cat', top[0], { label: 'core' });
    await store.set('cat', top[1], { label: 'spurious' });
    let seen: SensitivityJobRequest | undefined;
    // Stub runner: clean = the session's features; gray makes every image a dog, blur changes nothing, rotate halves them.
    const stub: SensitivityRunner = async (req) => {
      seen = req;
      const D = FAKE_DIM;
      const clean = new Float32Array(req.entries.length * D);
      req.entries.forEach((e, j) => clean.set(s.features.data.subarray(s.indexOf(e.rel)! * D, (s.indexOf(e.rel)! + 1) * D), j * D));
      const items = req.items.map((it) => {
        const rows = (f: (x: Float32Array) => void) => {
          const m = new Float32Array(it.images.length * D);
          it.images.forEach((j, p) => { const x = clean.slice(j * D, (j + 1) * D); f(x); m.set(x, p * D); });
          return m;
        };
        return { maskMeans: new Float32Array(it.images.length).fill(0.5), corrupted: [rows((x) => { x[0] = 0; x[1] = 1; }), rows(() => undefined), rows((x) => { x[0] /= 2; })] };
      });
      return { dim: D, inputSize: 4, blurSigmaPx: 0.125, patchPx: 1, clean, failed: new Uint8Array(req.entries.length), failures: [], items } satisfies SensitivityJobResult;
    };
    assert.ok(top.length >= 2, 'the class has top features to label');
    const r = await measureSensitivity(s, [{ cls: cat, feature: top[0] }, { cls: cat, feature: top[1] }], stub, { images: 4 });
    assert.ok(seen);
    assert.deepEqual(r.skipped, []);
    const catTrain = s.index.train[cat];
    const expectTop = [...catTrain].sort((a, b) => s.features.data[b * FAKE_DIM + top[1]] - s.features.data[a * FAKE_DIM + top[1]] || a - b).slice(0, 4);
    assert.deepEqual(r.features[1].images, expectTop.map((i) => s.entries[i].rel));
    assert.deepEqual(seen.items[0].subtractFeatures, [], 'a core feature keeps its own mask');
    assert.deepEqual(seen.items[1].subtractFeatures, coreFeaturesOf(s, cat));
    assert.deepEqual(r.features.map((f) => [f.label, f.maskSource]), [['core', 'own'], ['spurious', 'minus-core']]);
    for (const f of r.features) {
      const rows = f.images.map((rel) => s.indexOf(rel)!);
      const isCat = (f0: number, f1: number) => Math.fround(f0 + 0.6) >= f1;
      const cleanAcc = (100 * rows.filter((i) => isCat(s.features.data[i * FAKE_DIM], s.features.data[i * FAKE_DIM + 1])).length) / rows.length;
      const halfAcc = (100 * rows.filter((i) => isCat(s.features.data[i * FAKE_DIM] / 2, s.features.data[i * FAKE_DIM + 1])).length) / rows.length;
      assert.equal(f.cleanAccuracy, Math.round(cleanAcc * 100) / 100);
      assert.deepEqual(f.outcomes.map((o) => o.corruption), ['gray', 'blur', 'patch-rotate']);
      assert.equal(f.outcomes[0].accuracy, 0);
      assert.equal(f.outcomes[0].sensitivity, f.cleanAccuracy);
      assert.equal(f.outcomes[1].sensitivity, 0);
      assert.equal(f.outcomes[1].flipped, 0);
      assert.equal(f.outcomes[2].sensitivity, Math.round((cleanAcc - halfAcc) * 100) / 100);
      assert.equal(f.meanMask, 0.5);
    }
    // Scope: labelled top features by default; a class's top features; a feature across classes.
    assert.deepEqual(sensitivityScope(s).pairs, [{ cls: cat, feature: top[0] }, { cls: cat, feature: top[1] }]);
    assert.equal(sensitivityScope(s, { cls: 'cat' }).pairs.length, top.length);
    assert.deepEqual(sensitivityScope(s, { cls: 'cat', maxPairs: 1 }), { pairs: [{ cls: cat, feature: top[0] }], truncated: top.length - 1 });
    assert.throws(() => sensitivityScope(s, { cls: 'cow' }), /Unknown class "cow"; the dataset's classes are: cat, dog/);
    // A class without images in the split is reported, not measured.
    // --top-percent chooses the images: the report's params say so rather than the unused count.
    const pct = await measureSensitivity(s, [{ cls: cat, feature: top[0] }], stub, { images: 4, topPercent: 50 });
    assert.deepEqual([pct.params.images, pct.params.topPercent], [null, 50]);
    assert.equal(pct.features[0].imageCount, Math.ceil(catTrain.length / 2));
    const none = await measureSensitivity(s, [{ cls: cat, feature: 0 }], stub, { split: 'val' });
    assert.deepEqual(none.skipped, [{ cls: 'cat', feature: 0, reason: 'the class has no val images' }]);
  });

  test('the real worker entry (sharp + ONNX Runtime) runs a sensitivity job like the in-process runner', async (t) => {
    const dir = join(__dirname, '..', '.fixtures', `sensitivity-real-${process.pid}`);
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, 'data', 'a'), { recursive: true });
    for (let i = 0; i < 3; i++) await sharp(seededRgb(20, 16, i + 1), { raw: { width: 20, height: 16, channels: 3 } }).png().toFile(join(dir, 'data', 'a', `${i}.png`));
    writeFileSync(join(dir, 'data', 'a', 'broken.png'), 'not a png');
    const modelPath = join(dir, 'tiny.onnx');
    writeFileSync(modelPath, convGemmModel({ size: 'S' }).bytes);
    writeFileSync(join(dir, 'tiny.card.json'), JSON.stringify({ preprocess: { resize: 16, crop: 16, mean: [0, 0, 0], std: [1, 1, 1] } }));
    const dataset = await discoverDataset(join(dir, 'data'));
    const req: SensitivityJobRequest = { modelPath, entries: dataset.images, items: [{ feature: 1, subtractFeatures: [2], images: [0, 1, 2, 3] }], threads: 1 };
    const workerPath = join(__dirname, '..', '..', 'src', 'engine', 'jobs', 'worker.ts');
    const child = await childRunner('sensitivity', { workerPath })(req);
    const local = await inProcessRunner('sensitivity')(req, {});
    assert.deepEqual(child, local);
    assert.equal(child.inputSize, 16);
    assert.equal(child.patchPx, 2);
    assert.deepEqual(child.failures.map((f) => [f.rel, f.reason]), [['a/broken.png', 'corrupt']]);
    const ex = await extract({ dataset, modelPath, cacheDir: join(dir, 'cache'), threads: 1 });
    const first = dataset.images.findIndex((e) => e.rel === ex.entries[0].rel);
    for (let d = 0; d < 4; d++) assert.ok(Math.abs(child.clean[first * 4 + d] - ex.features[d]) <= 1e-3 * Math.abs(ex.features[d]) + 1e-5);
    assert.ok(readFileSync(modelPath).length > 0);
  });
}
