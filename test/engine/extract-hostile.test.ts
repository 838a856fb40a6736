// End to end with the real adapters (sharp, ONNX Runtime, the model adapter) on a dataset full of hostile files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildHostileDataset } from '../helpers/hostile';
import { convGemmModel } from '../helpers/onnxBuilder';
import { discoverDataset } from '../../src/engine/dataset/discover';
import { extract } from '../../src/engine/extract/pipeline';
import { spatialMaps } from '../../src/engine/extract/spatialMaps';

const DECODE_REASONS = new Set(['empty', 'corrupt', 'truncated', 'too-large', 'unsupported', 'unreadable']);

test('hostile dataset end to end: the run completes, each bad file is reported with its reason, a re-run is all cache', async (t) => {
  const dir = join(__dirname, '..', '.fixtures', `extract-hostile-${process.pid}`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, 'tiny.onnx');
  writeFileSync(modelPath, convGemmModel({ size: 'S' }).bytes);
  writeFileSync(join(dir, 'tiny.card.json'), JSON.stringify({ name: 'tiny', preprocess: { resize: 8, crop: 8, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }, labels: ['cat', 'dog', 'a', 'b', 'c'] }));
  const { expected, good } = await buildHostileDataset(join(dir, 'data'));
  const dataset = await discoverDataset(join(dir, 'data'));
  const cacheDir = join(dir, 'cache');

  const r = await extract({ dataset, modelPath, cacheDir, batchSize: 4, threads: 1 });
  const reported = new Map<string, string>([...r.failures.map((f) => [f.rel, f.reason] as const)]);
  for (const s of dataset.skipped) reported.set(s.path.slice(join(dir, 'data').length + 1), s.reason);
  for (const e of expected) {
    const got = reported.get(e.rel);
    // Discovery may catch some files (e.g. empty ones) before the decoder does: either report is fine.
    assert.ok(got === e.reason || (DECODE_REASONS.has(e.reason) && got !== undefined), `${e.rel}: expected ${e.reason}, got ${got}`);
  }
  assert.deepEqual(r.entries.map((e) => e.rel).sort(), good);
  // the zero-byte image is a failure (counted with the corrupt ones), not a skipped file
  assert.equal(r.failures.find((f) => f.rel === 'train/cat/empty.jpg')?.reason, 'empty');
  assert.ok(!dataset.skipped.some((s) => s.path.endsWith('empty.jpg')));
  assert.ok(r.failures.every((f) => f.message.includes(f.path)));
  assert.equal(r.features.length, good.length * r.model.dim);
  assert.ok(r.features.every(Number.isFinite));

  const again = await extract({ dataset, modelPath, cacheDir, batchSize: 4, threads: 1 });
  assert.equal(again.cacheHits, good.length);
  assert.equal(again.computed, 0);
  assert.deepEqual(again.features, r.features);
  assert.deepEqual(again.failures, r.failures);

  // Heatmap maps for two images through the real model's spatial output.
  const maps = await spatialMaps({ modelPath, entries: r.entries.slice(0, 2), featureIndices: [0, 3], cacheDir, threads: 1 });
  assert.equal(maps.maps.size, 2);
  const m = maps.maps.get(r.entries[0].rel)!;
  assert.equal(m.length, 2);
  assert.equal(m[0].length, maps.h * maps.w);
  // Global average pooling of the spatial map gives the pooled feature (up to float16 rounding).
  const mean = m[1].reduce((a, b) => a + b, 0) / m[1].length;
  assert.ok(Math.abs(mean - r.features[3]) <= 1e-3 * Math.abs(r.features[3]) + 1e-5, `${mean} vs ${r.features[3]}`);
});
