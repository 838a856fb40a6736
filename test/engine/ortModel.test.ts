// OrtModel over small models built in code: batching, input views, output copies, probing the spatial size, errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { loadModel } from '../../src/engine/model/loadModel';
import { OrtModel, defaultThreads } from '../../src/engine/native/ort';
import { convGemmModel, seeded } from '../helpers/onnxBuilder';
import { maxAbsDiff } from '../helpers/pythonFixtures';

const DIR = resolve(__dirname, '..', '.fixtures', 'ort-model');

async function load(name: string, bytes: Uint8Array) {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `${name}.onnx`);
  writeFileSync(file, bytes);
  return loadModel(file);
}

test('logits equal the head read from the graph applied to the pooled features; spatial means are the pooled features', async () => {
  const { info, adapted } = await load('gemm', convGemmModel({ alpha: 1.5, beta: -2 }).bytes);
  const model = await OrtModel.create(adapted, info, { threads: 1 });
  try {
    const batch = 3;
    const out = await model.run(seeded(batch * 3 * 8 * 8, 11), batch, true);
    assert.equal(out.pooled.length, batch * 4);
    assert.equal(out.logits.length, batch * 5);
    const expect = new Float32Array(batch * 5);
    for (let n = 0; n < batch; n++) {
      for (let c = 0; c < 5; c++) {
        let s = info.headBias[c];
        for (let d = 0; d < 4; d++) s += info.headWeight[c * 4 + d] * out.pooled[n * 4 + d];
        expect[n * 5 + c] = s;
      }
    }
    assert.ok(maxAbsDiff(expect, out.logits) <= 1e-5);
    assert.ok(out.spatial);
    assert.equal(out.spatial.length, batch * 4 * 4 * 4);
    const means = Array.from({ length: batch * 4 }, (_, i) => out.spatial!.subarray(i * 16, i * 16 + 16).reduce((a, b) => a + b, 0) / 16);
    assert.ok(maxAbsDiff(means, out.pooled) <= 1e-5);
  } finally {
    await model.release();
  }
});

test('input may be an offset view longer than the batch; each image is independent of the others', async () => {
  const { info, adapted } = await load('gemm', convGemmModel().bytes);
  const model = await OrtModel.create(adapted, info, { threads: 1 });
  try {
    const img = 3 * 8 * 8;
    const data = seeded(2 * img, 5);
    const ref = await model.run(data, 2, false);
    const padded = new Float32Array(7 + 4 * img).fill(99);
    padded.set(data, 7);
    const viaView = await model.run(padded.subarray(7), 2, false);
    assert.equal(maxAbsDiff(viaView.logits, ref.logits), 0);
    const one = await model.run(data.subarray(img), 1, false);
    assert.ok(maxAbsDiff(one.logits, ref.logits.subarray(5)) <= 1e-6);
    // Results are copies: changing one never changes another run's.
    const again = await model.run(data, 2, false);
    again.logits.fill(0);
    assert.notEqual(ref.logits[0], 0);
    assert.notEqual(again.logits.buffer, ref.logits.buffer);
  } finally {
    await model.release();
  }
});

test('a graph with a dynamic input size gets its spatial shape measured at create, at the card crop', async () => {
  const { info, adapted } = await load('dynamic', convGemmModel({ size: 'S' }).bytes);
  assert.equal(info.spatialShape, null);
  assert.equal(info.card.preprocess.crop, 224);
  const model = await OrtModel.create(adapted, info, { threads: 1 });
  try {
    assert.deepEqual(info.spatialShape, [4, 112, 112]);
    const out = await model.run(seeded(3 * 224 * 224, 3), 1, true);
    assert.equal(out.spatial?.length, 4 * 112 * 112);
  } finally {
    await model.release();
  }
});

test('a graph with a fixed batch size runs any batch, in chunks of that size', async () => {
  const img = 3 * 8 * 8;
  const data = seeded(5 * img, 17);
  const dyn = await load('gemm', convGemmModel().bytes);
  const ref = await OrtModel.create(dyn.adapted, dyn.info, { threads: 1 });
  const want = await ref.run(data, 5, true);
  await ref.release();
  for (const fixed of [1, 2]) {
    const { info, adapted } = await load(`fixed${fixed}`, convGemmModel({ batch: fixed }).bytes);
    const model = await OrtModel.create(adapted, info, { threads: 1 });
    try {
      const got = await model.run(data, 5, true);
      assert.ok(maxAbsDiff(got.logits, want.logits) <= 1e-6, `fixed batch ${fixed}: logits`);
      assert.ok(maxAbsDiff(got.pooled, want.pooled) <= 1e-6, `fixed batch ${fixed}: pooled`);
      assert.ok(maxAbsDiff(got.spatial!, want.spatial!) <= 1e-6, `fixed batch ${fixed}: spatial`);
    } finally {
      await model.release();
    }
  }
});

test('bad calls are refused with what was expected', async () => {
  const { info, adapted } = await load('gemm', convGemmModel().bytes);
  await assert.rejects(OrtModel.create(convGemmModel().bytes, info, { threads: 1 }), /lacks outputs .*pass the bytes loadModel returned/);
  const model = await OrtModel.create(adapted, info, { threads: 1 });
  await assert.rejects(model.run(new Float32Array(100), 1, false), /needs batch >= 1 and 192 input values .*got batch 1 and 100 values/);
  await assert.rejects(model.run(new Float32Array(192), 0, false), /needs batch >= 1/);
  await model.release();
  await assert.rejects(model.run(new Float32Array(192), 1, false), /after release/);
  await assert.rejects(OrtModel.create(new Uint8Array([1, 2, 3]), info, { threads: 1 }), /gemm\.onnx: ONNX Runtime could not load the model/);
});

test('defaultThreads is cores - 1, at least 1', () => {
  assert.equal(defaultThreads(), Math.max(1, availableParallelism() - 1));
});
