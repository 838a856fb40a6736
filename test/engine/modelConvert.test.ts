// scripts/models/convert_robustness.py on a fake robustness-library ResNet-50 checkpoint (built by
// test_convert_robustness.py): the ONNX model with normalisation baked in must reproduce PyTorch's
// normalise-then-model outputs through loadModel + OrtModel, with the card the converter wrote.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel } from '../../src/engine/model/loadModel';
import { OrtModel } from '../../src/engine/native/ort';
import { maxAbsDiff, pythonFixture, readFloat32 } from '../helpers/pythonFixtures';

test('converted robustness ResNet-50 matches PyTorch on logits and pooled features (max abs diff <= 1e-4)', async (t) => {
  const dir = await pythonFixture(t, 'model-convert-robustness', ['scripts/models/test_convert_robustness.py', 'scripts/models/convert_robustness.py']);
  if (!dir) return;
  const { info, adapted } = await loadModel(join(dir, 'model.onnx'));
  assert.equal(info.dim, 2048);
  assert.equal(info.classes, 1000);
  assert.deepEqual(info.spatialShape, [2048, 7, 7]);
  assert.deepEqual(info.card.preprocess, { resize: 256, crop: 224, mean: [0, 0, 0], std: [1, 1, 1] });
  assert.match(info.card.provenance ?? '', /robustness checkpoint .*baked into the graph/);

  const input = readFloat32(dir, 'input.bin');
  const model = await OrtModel.create(adapted, info, { threads: 2 });
  try {
    const out = await model.run(input.data, input.shape[0], false);
    const pooledDiff = maxAbsDiff(out.pooled, readFloat32(dir, 'pooled.bin').data);
    const logitsDiff = maxAbsDiff(out.logits, readFloat32(dir, 'logits.bin').data);
    assert.ok(pooledDiff <= 1e-4, `pooled max abs diff ${pooledDiff}`);
    assert.ok(logitsDiff <= 1e-4, `logits max abs diff ${logitsDiff}`);
  } finally {
    await model.release();
  }
});
