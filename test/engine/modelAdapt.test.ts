// The adapter on models exported by PyTorch (built by scripts/models/make_fixture_resnet18.py): ONNX Runtime's
// pooled features and logits from the adapted graph must match PyTorch's, and the head read from the graph must be fc.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel, ModelAdaptError } from '../../src/engine/model/loadModel';
import { OrtModel } from '../../src/engine/native/ort';
import { maxAbsDiff, pythonFixture, readFloat32 } from '../helpers/pythonFixtures';

const fixture = (t: TestContext) => pythonFixture(t, 'model-resnet18', ['scripts/models/make_fixture_resnet18.py']);

test('ResNet-18: pooled features, logits and spatial map from ONNX Runtime match PyTorch', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  const file = join(dir, 'resnet18.onnx');
  const { info, adapted } = await loadModel(file);
  assert.equal(info.inputName, 'input');
  assert.equal(info.logitsOutput, 'logits');
  assert.equal(info.dim, 512);
  assert.equal(info.classes, 1000);
  assert.deepEqual(info.spatialShape, [512, 7, 7]);
  assert.equal(info.sha256, createHash('sha256').update(readFileSync(file)).digest('hex'));

  const fcW = readFloat32(dir, 'resnet18.fc_weight.bin');
  assert.deepEqual(fcW.shape, [1000, 512]);
  assert.equal(maxAbsDiff(info.headWeight, fcW.data), 0);
  assert.equal(maxAbsDiff(info.headBias, readFloat32(dir, 'resnet18.fc_bias.bin').data), 0);

  const input = readFloat32(dir, 'resnet18.input.bin');
  const batch = input.shape[0];
  const model = await OrtModel.create(adapted, info, { threads: 2 });
  try {
    const out = await model.run(input.data, batch, true);
    assert.ok(maxAbsDiff(out.pooled, readFloat32(dir, 'resnet18.pooled.bin').data) <= 1e-4);
    assert.ok(maxAbsDiff(out.logits, readFloat32(dir, 'resnet18.logits.bin').data) <= 1e-4);
    assert.ok(out.spatial);
    assert.equal(out.spatial.length, batch * 512 * 7 * 7);
    // Global average pooling of the spatial map is the pooled feature vector.
    const means = new Float32Array(batch * 512);
    for (let i = 0; i < means.length; i++) {
      let s = 0;
      for (let k = 0; k < 49; k++) s += out.spatial[i * 49 + k];
      means[i] = s / 49;
    }
    assert.ok(maxAbsDiff(means, out.pooled) <= 1e-4);

    const noSpatial = await model.run(input.data, batch, false);
    assert.equal(noSpatial.spatial, null);
    assert.equal(maxAbsDiff(noSpatial.logits, out.logits), 0);
  } finally {
    await model.release();
  }
});

test('timm-style model: ReduceMean pooling and a MatMul + Add head are adapted', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  const { info, adapted } = await loadModel(join(dir, 'timm_tiny.onnx'));
  assert.equal(info.dim, 16);
  assert.equal(info.classes, 5);
  assert.ok(info.spatialOutput, 'the ReduceMean input is the spatial map');
  assert.deepEqual(info.spatialShape, [16, 8, 8]);
  // The exporter stored W^T (D x C) for MatMul; the adapter must hand back W (C x D).
  assert.equal(maxAbsDiff(info.headWeight, readFloat32(dir, 'timm_tiny.fc_weight.bin').data), 0);
  assert.equal(maxAbsDiff(info.headBias, readFloat32(dir, 'timm_tiny.fc_bias.bin').data), 0);
  assert.equal(info.card.preprocess.crop, 32, 'crop comes from the static input size');
  assert.equal(info.card.preprocess.resize, Math.round(32 / 0.875));

  const input = readFloat32(dir, 'timm_tiny.input.bin');
  const model = await OrtModel.create(adapted, info, { threads: 1 });
  try {
    const out = await model.run(input.data, input.shape[0], true);
    assert.ok(maxAbsDiff(out.logits, readFloat32(dir, 'timm_tiny.logits.bin').data) <= 1e-4);
    // logits = W . pooled + b with the head read from the graph.
    const { dim, classes, headWeight, headBias } = info;
    const expect = new Float32Array(input.shape[0] * classes);
    for (let n = 0; n < input.shape[0]; n++) {
      for (let c = 0; c < classes; c++) {
        let s = headBias[c];
        for (let d = 0; d < dim; d++) s += headWeight[c * dim + d] * out.pooled[n * dim + d];
        expect[n * classes + c] = s;
      }
    }
    assert.ok(maxAbsDiff(expect, out.logits) <= 1e-4);
  } finally {
    await model.release();
  }
});

test('a final Softmax is skipped: logits are its input, and a note says so', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  const { info, adapted } = await loadModel(join(dir, 'softmax_tiny.onnx'));
  assert.notEqual(info.logitsOutput, 'logits');
  assert.ok(info.notes?.some((n) => n.includes('Softmax')));
  const input = readFloat32(dir, 'softmax_tiny.input.bin');
  const model = await OrtModel.create(adapted, info, { threads: 1 });
  try {
    const out = await model.run(input.data, input.shape[0], false);
    assert.ok(maxAbsDiff(out.logits, readFloat32(dir, 'softmax_tiny.logits.bin').data) <= 1e-4);
  } finally {
    await model.release();
  }
});

test('a model without a linear head is refused, naming the node expected and the node found', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  await assert.rejects(loadModel(join(dir, 'nohead.onnx')), (e: unknown) => {
    assert.ok(e instanceof ModelAdaptError);
    assert.match(e.message, /nohead\.onnx/);
    assert.match(e.message, /expected a Gemm or MatMul\+Add producing output "logits"; found ReduceMean/);
    return true;
  });
});
