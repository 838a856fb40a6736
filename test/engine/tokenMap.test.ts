// Token maps of class-token transformers (built by scripts/models/make_fixture_vit.py with Debian's torch): the map
// ONNX Runtime returns from the adapted graph must equal PyTorch's patch tokens after the final norm (forward hook),
// and the features must still equal the head input.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadModel } from '../../src/engine/model/loadModel';
import { OrtModel } from '../../src/engine/native/ort';
import { maxAbsDiff, pythonFixture, readFloat32 } from '../helpers/pythonFixtures';

const fixture = (t: TestContext) => pythonFixture(t, 'model-vit', ['scripts/models/make_fixture_vit.py']);

async function checkTokenMap(dir: string, name: string, shape: [number, number, number], threads = 1): Promise<string[]> {
  const { info, adapted } = await loadModel(join(dir, `${name}.onnx`));
  assert.deepEqual(info.spatialShape, shape, `${name}: token map shape`);
  assert.ok(info.spatialOutput, `${name}: a token map output`);
  const input = readFloat32(dir, `${name}.input.bin`);
  const model = await OrtModel.create(adapted, info, { threads });
  try {
    const out = await model.run(input.data, input.shape[0], true);
    const ref = readFloat32(dir, `${name}.tokens.bin`);
    assert.deepEqual(ref.shape, [input.shape[0], ...shape]);
    assert.ok(out.spatial);
    const mapDiff = maxAbsDiff(out.spatial, ref.data);
    assert.ok(mapDiff <= 1e-4, `${name}: token map differs from PyTorch's by ${mapDiff}`);
    const pooledDiff = maxAbsDiff(out.pooled, readFloat32(dir, `${name}.pooled.bin`).data);
    assert.ok(pooledDiff <= 1e-4, `${name}: features differ from the head input by ${pooledDiff}`);
    assert.ok(maxAbsDiff(out.logits, readFloat32(dir, `${name}.logits.bin`).data) <= 1e-4, `${name}: logits`);
    // Without the map, the features and logits are the same numbers (the added nodes change nothing else).
    const plain = await model.run(input.data, input.shape[0], false);
    assert.equal(plain.spatial, null);
    assert.equal(maxAbsDiff(plain.pooled, out.pooled), 0);
  } finally {
    await model.release();
  }
  return info.notes ?? [];
}

test('vit_b_16 (torchvision, opset 14): 768 x 14 x 14 token map equals the PyTorch hook; features equal the head input', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  const notes = await checkTokenMap(dir, 'vit_b_16', [768, 14, 14], 2);
  assert.ok(notes.some((n) => n.includes('token maps') && n.includes('1 non-patch token dropped')), notes.join('\n'));
  assert.ok(!notes.some((n) => n.startsWith('no GlobalAveragePool')), 'no pooling complaint on a class-token model');
});

test('DeiT-like (class + distillation token) and opset-17 LayerNormalization: both extra tokens dropped', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  for (const name of ['deit_tiny', 'ln17_tiny']) {
    const notes = await checkTokenMap(dir, name, [24, 4, 4]);
    assert.ok(notes.some((n) => n.includes('2 non-patch tokens dropped')), `${name}: ${notes.join('\n')}`);
  }
});

test('register tokens (class + 4 registers, pos embedding before the concat, class token by Slice): 5 tokens dropped', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  const notes = await checkTokenMap(dir, 'reg_tiny', [24, 4, 4]);
  assert.ok(notes.some((n) => n.includes('5 non-patch tokens dropped')), notes.join('\n'));
});

test('final LayerNorm after the class token is taken (fc_norm style): the norm is applied to every token', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  await checkTokenMap(dir, 'fcnorm_tiny', [24, 4, 4]);
});

test('a non-square patch grid (8 x 4 patches on 32 x 32) gives a 4 x 8 map in row-major patch order', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  await checkTokenMap(dir, 'nonsquare_tiny', [24, 4, 8]);
});

test('a class-token model with a dynamic input size is adapted without a map, and the note names the cause', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  const { info } = await loadModel(join(dir, 'dynamic_tiny.onnx'));
  assert.equal(info.spatialOutput, null);
  assert.equal(info.spatialShape, null);
  const note = (info.notes ?? []).find((n) => n.startsWith('class-token model'));
  assert.match(note ?? '', /patch grid of "\/patch\/Conv" is not fixed by the graph \(the model takes a dynamic input size\)/);
});

test('swin_t keeps its CNN-style 768 x 7 x 7 map and its features equal the head input', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  const { info, adapted } = await loadModel(join(dir, 'swin_t.onnx'));
  assert.ok(info.spatialOutput, 'the pooled map of the last stage');
  assert.notEqual(info.spatialOutput, 'spuriosity_token_map');
  const input = readFloat32(dir, 'swin_t.input.bin');
  const model = await OrtModel.create(adapted, info, { threads: 2 });
  try {
    // The graph leaves the map's size to run time (its permutes are not shape-inferred); the session measures it.
    assert.deepEqual(info.spatialShape, [768, 7, 7]);
    const out = await model.run(input.data, input.shape[0], true);
    assert.ok(maxAbsDiff(out.pooled, readFloat32(dir, 'swin_t.pooled.bin').data) <= 1e-4);
    assert.ok(maxAbsDiff(out.logits, readFloat32(dir, 'swin_t.logits.bin').data) <= 1e-4);
    assert.equal(out.spatial?.length, input.shape[0] * 768 * 49);
  } finally {
    await model.release();
  }
});
