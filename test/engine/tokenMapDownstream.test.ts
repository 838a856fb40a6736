// Everything downstream of the spatial map on a ViT's token map, unchanged: the map store (heatmap cache), the
// heatmap overlays the gallery, detail and labeling views show, core crops and sensitivity masks, all with the
// committed demo transformer (models/demo/spurious-mnist-vit.onnx) on a small seeded demo benchmark.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import { discoverDataset } from '../../src/engine/dataset/discover';
import { spatialMaps, type SpatialRequest } from '../../src/engine/extract/spatialMaps';
import { loadDefaultDeps } from '../../src/engine/extract/pipeline';
import { loadModel, sha256File } from '../../src/engine/model/loadModel';
import { OrtModel } from '../../src/engine/native/ort';
import { DEFAULT_DECODE_OPTIONS, decodeInto } from '../../src/engine/native/sharp';
import { HeatmapCache } from '../../src/engine/render/heatmaps';
import { cliRunner } from '../helpers/cli';
import { maxAbsDiff } from '../helpers/pythonFixtures';

const MODEL = join('models', 'demo', 'spurious-mnist-vit.onnx');
const root = mkdtempSync(join(tmpdir(), 'spl-vit-'));
const data = join(root, 'demo');
const cache = join(root, 'cache');
const ready = generateDemoDataset({ out: data, seed: 5, trainPerClass: 10, valPerClass: 6, probesPerClass: 4 });
test.after(() => rmSync(root, { recursive: true, force: true }));

test('the demo ViT exposes a 64 x 8 x 8 token map; the map store serves a second request without running the model', async () => {
  await ready;
  const { info, adapted } = await loadModel(MODEL);
  assert.deepEqual(info.spatialShape, [64, 8, 8]);
  assert.ok(readFileSync(join('models', 'README.md'), 'utf8').includes(await sha256File(MODEL)), 'models/README.md must quote the sha256 of the ViT');
  const ds = await discoverDataset(data);
  const entries = ds.images.filter((e) => e.split === 'val').slice(0, 6);
  const deps = await loadDefaultDeps();
  let sessions = 0;
  const counting = { ...deps, createModel: (...a: Parameters<typeof deps.createModel>) => { sessions++; return deps.createModel(...a); } };
  const req: SpatialRequest = { modelPath: MODEL, entries, featureIndices: [3, 40], cacheDir: cache, threads: 1 };
  const first = await spatialMaps({ ...req, deps: counting });
  assert.equal(sessions, 1);
  assert.deepEqual([first.h, first.w], [8, 8]);
  assert.equal(first.maps.size, entries.length);

  // The stored maps are the token map ONNX Runtime returns for the same images.
  const pre = info.card.preprocess;
  const px = 3 * pre.crop * pre.crop;
  const input = new Float32Array(entries.length * px);
  await Promise.all(entries.map((e, j) => decodeInto(e.path, pre, input, j * px, DEFAULT_DECODE_OPTIONS)));
  const model = await OrtModel.create(adapted, info, { threads: 1 });
  try {
    const out = await model.run(input, entries.length, true);
    for (let j = 0; j < entries.length; j++) {
      const got = first.maps.get(entries[j].rel)!;
      for (const [k, f] of [3, 40].entries()) {
        const want = out.spatial!.subarray((j * 64 + f) * 64, (j * 64 + f + 1) * 64);
        assert.equal(maxAbsDiff(got[k], want), 0);
      }
    }
  } finally {
    await model.release();
  }
  const second = await spatialMaps({ ...req, deps: counting });
  assert.equal(sessions, 1, 'served from the store');
  for (const e of entries) assert.equal(maxAbsDiff(second.maps.get(e.rel)![1], first.maps.get(e.rel)![1]), 0);
});

test('heatmap overlays (per feature, combined, layers) render from token maps and are not rendered twice', async () => {
  await ready;
  const { info } = await loadModel(MODEL);
  const ds = await discoverDataset(data);
  const entries = ds.images.filter((e) => e.split === 'train').slice(0, 4);
  let calls = 0;
  const source = (r: Pick<SpatialRequest, 'entries' | 'featureIndices'>) => {
    calls++;
    return spatialMaps({ ...r, modelPath: MODEL, cacheDir: cache, threads: 1 });
  };
  const heat = new HeatmapCache(join(cache, 'heatmaps'), info.sha256, info.card.preprocess, DEFAULT_DECODE_OPTIONS, source);
  const per = await heat.perFeature(entries, [1, 2]);
  const layers = await heat.layers(entries, [1, 2]);
  const combined = await heat.combined(entries, [1, 2]);
  assert.equal(calls, 3);
  for (const e of entries) {
    for (const f of [...per.get(e.rel)!, layers.get(e.rel)!.heat, layers.get(e.rel)!.base, combined.get(e.rel)!]) {
      assert.ok(existsSync(f), f);
      const meta = await sharp(f).metadata();
      assert.deepEqual([meta.width, meta.height], [64, 64]);
    }
  }
  const before = statSync(per.get(entries[0].rel)![0]).mtimeMs;
  await heat.perFeature(entries, [1, 2]);
  assert.equal(calls, 3, 'existing overlays are not rendered again');
  assert.equal(statSync(per.get(entries[0].rel)![0]).mtimeMs, before);
});

const cli = cliRunner('--threads', '1', '--model', MODEL, '--cache', cache);

test('core crops and sensitivity masks from token maps through the CLI, after probe labels', async () => {
  await ready;
  const a = cli('annotations', 'from-probes', data);
  assert.equal(a.code, 0, a.stderr);
  const r = cli('crop', data, '--class', '3-three', '--json', '--bootstrap', '0');
  assert.equal(r.code, 0, r.stderr);
  const c = JSON.parse(r.stdout).classes[0];
  assert.ok(c.coreFeatures.length > 0, 'probe labels give 3-three a core feature');
  assert.ok(c.counts.cropped > 0);
  for (const im of c.images.filter((x: { box: unknown }) => x.box)) {
    assert.ok(im.box.x >= 0 && im.box.y >= 0 && im.box.x + im.box.width <= 64 && im.box.y + im.box.height <= 64, JSON.stringify(im.box));
    assert.ok(im.box.width < 64 || im.box.height < 64 || im.box.width === 64, 'a box from the 8 x 8 map');
  }
  const s = cli('sensitivity', data, '--class', '3-three', '--images', '4', '--k', '2', '--json');
  assert.equal(s.code, 0, s.stderr);
  const j = JSON.parse(s.stdout);
  assert.equal(j.features.length, 2);
  for (const f of j.features) {
    assert.equal(f.imageCount, 4);
    for (const o of f.outcomes) assert.ok(Math.abs(o.sensitivity - (f.cleanAccuracy - o.accuracy)) < 0.02);
  }
});
