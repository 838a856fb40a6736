// --precision int8 end to end on the demo model (real sharp + ONNX Runtime): fidelity against float32, the cache
// keeping int8 and float32 features apart (and the int8 model built once), and the float32 fallback's notice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import { discoverDataset } from '../../src/engine/dataset/discover';
import { extract } from '../../src/engine/extract/pipeline';
import { defaultDeps } from '../../src/engine/extract/defaultDeps';
import { int8Fidelity } from '../../src/engine/analysis/int8Fidelity';
import { INT8_MODEL_FILE } from '../../src/engine/model/quantize/int8Model';
import { detectInt8 } from '../../src/engine/extract/precision';
import { detectCpuInt8Path, INT8_WITHOUT_VNNI_ENV } from '../../src/engine/model/quantize/int8Support';

const MODEL = resolve('models', 'demo', 'spurious-mnist.onnx');

test('int8 on the demo model: rankings, top features and accuracy stay close to float32; features cached apart; the int8 model is built once', async (t) => {
  // On AVX2 without VNNI int8 runs only when opted in (7-bit weights): the fidelity is measured on that path there.
  const had = process.env[INT8_WITHOUT_VNNI_ENV];
  process.env[INT8_WITHOUT_VNNI_ENV] = '1';
  t.after(() => { if (had === undefined) delete process.env[INT8_WITHOUT_VNNI_ENV]; else process.env[INT8_WITHOUT_VNNI_ENV] = had; });
  const support = await detectInt8();
  if (!support.ok) {
    t.skip(`int8 unavailable on this machine: ${support.reason}`);
    return;
  }
  const work = mkdtempSync(join(tmpdir(), 'int8-'));
  try {
    const root = await generateDemoDataset({ out: join(work, 'data'), seed: 2025, trainPerClass: 24, valPerClass: 24, probesPerClass: 1 });
    const dataset = await discoverDataset(root);
    const cacheDir = join(work, 'cache');
    const base = { dataset, modelPath: MODEL, cacheDir, threads: 1 };
    const f = await extract({ ...base });
    const q = await extract({ ...base, precision: 'int8' });
    assert.equal(f.model.precision?.used, 'float32');
    assert.equal(q.model.precision?.used, 'int8');
    assert.equal(q.computed, dataset.images.length, 'float32 features are not served to an int8 run');
    const int8Dir = join(cacheDir, q.model.precision!.featureKey);
    assert.notEqual(q.model.precision!.featureKey, f.model.sha256);
    assert.ok(existsSync(join(int8Dir, INT8_MODEL_FILE)), 'the quantized model sits beside its features');
    assert.ok(readdirSync(join(cacheDir, f.model.sha256)).some((n) => n.startsWith('shard-')));
    assert.ok(!readdirSync(join(cacheDir, f.model.sha256)).includes(INT8_MODEL_FILE));
    assert.notDeepEqual(q.features, f.features, 'int8 features differ from float32 ones');

    // Warm runs: each precision reads its own folder.
    const built = statSync(join(int8Dir, INT8_MODEL_FILE)).mtimeMs;
    const f2 = await extract({ ...base, precision: 'float32' });
    const q2 = await extract({ ...base, precision: 'int8' });
    assert.equal(f2.computed, 0);
    assert.equal(q2.computed, 0);
    assert.deepEqual(f2.features, f.features);
    assert.deepEqual(q2.features, q.features);
    // The warm int8 run found its model in the cache: not calibrated or written again.
    assert.equal(statSync(join(int8Dir, INT8_MODEL_FILE)).mtimeMs, built);

    // Fidelity, stated tolerances for this 480-image demo set (the full demo's figures are in BENCHMARKS.md):
    // median per-class Spearman of the validation spuriosity >= 0.98, top-5 unchanged in >= 8 of 10 classes,
    // validation accuracy within 2 points (one image of 240 is 0.42 points), mean gap within 3 points.
    const fid = await int8Fidelity(dataset, f, q, { labelTop: 1 });
    assert.ok(fid.medianSpearmanVal >= 0.98, `median Spearman ${fid.medianSpearmanVal}`);
    assert.ok(fid.top5Unchanged >= 8, `top-5 unchanged in ${fid.top5Unchanged}/${fid.top5Classes}`);
    assert.ok(Math.abs(fid.valAccInt8 - fid.valAccFloat32) <= 0.02, `val acc ${fid.valAccFloat32} -> ${fid.valAccInt8}`);
    assert.ok(Math.abs(fid.gapInt8 - fid.gapFloat32) <= 0.03, `gap ${fid.gapFloat32} -> ${fid.gapInt8}`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('int8 where the integer kernels are missing: float32 features under the model sha256 and a one-line notice', async () => {
  const work = mkdtempSync(join(tmpdir(), 'int8-fallback-'));
  try {
    const root = await generateDemoDataset({ out: join(work, 'data'), seed: 2026, trainPerClass: 2, valPerClass: 2, probesPerClass: 1 });
    const dataset = await discoverDataset(root);
    const deps = { ...defaultDeps, detectInt8: async () => ({ ok: false as const, reason: 'this CPU has no int8 dot-product path ONNX Runtime can use (test)' }) };
    const r = await extract({ dataset, modelPath: MODEL, cacheDir: join(work, 'cache'), threads: 1, precision: 'int8', deps });
    assert.equal(r.model.precision?.used, 'float32');
    assert.equal(r.model.precision?.featureKey, r.model.sha256);
    const notice = r.model.precision?.notice ?? '';
    assert.match(notice, /^int8 precision unavailable: this CPU has no int8 dot-product path .*; extracting in float32 instead$/);
    assert.ok(!notice.includes('\n'));
    assert.ok(r.warnings?.includes(notice));
    assert.ok(existsSync(join(work, 'cache', r.model.sha256)));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});

test('on this machine\'s CPU without VNNI and without the opt-in, --precision int8 extracts in float32 and says why in one line', async (t) => {
  const cpu = await detectCpuInt8Path();
  if (cpu.path !== 'avx2') {
    t.skip(`the CPU's int8 path is ${cpu.path ?? 'none'}, not AVX2 without VNNI`);
    return;
  }
  const had = process.env[INT8_WITHOUT_VNNI_ENV];
  delete process.env[INT8_WITHOUT_VNNI_ENV];
  t.after(() => { if (had !== undefined) process.env[INT8_WITHOUT_VNNI_ENV] = had; });
  const work = mkdtempSync(join(tmpdir(), 'int8-novnni-'));
  try {
    const root = await generateDemoDataset({ out: join(work, 'data'), seed: 2027, trainPerClass: 2, valPerClass: 2, probesPerClass: 1 });
    const r = await extract({ dataset: await discoverDataset(root), modelPath: MODEL, cacheDir: join(work, 'cache'), threads: 1, precision: 'int8' });
    assert.equal(r.model.precision?.used, 'float32');
    assert.equal(r.model.precision?.featureKey, r.model.sha256);
    assert.match(r.model.precision?.notice ?? '', /^int8 precision unavailable: this CPU has no VNNI int8 dot-product instructions \(avx2 .*SPURIOSITY_INT8_WITHOUT_VNNI=1 runs int8 anyway, with 7-bit weights\); extracting in float32 instead$/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
