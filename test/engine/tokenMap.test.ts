// Token maps of class-token transformers (built by scripts/models/make_fixture_vit.py with Debian's torch): the map
// ONNX Runtime returns from the adapted graph must equal PyTorch's patch tokens after the final norm (forward hook),
// each feature oriented by the sign of the class token's value of it, and the features must still equal the head input.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import type { ImageEntry } from '../../src/engine/dataset/types';
import { loadModel } from '../../src/engine/model/loadModel';
import { TOKEN_MAP_OUTPUT } from '../../src/engine/model/tokenMap';
import { OrtModel } from '../../src/engine/native/ort';
import { DEFAULT_DECODE_OPTIONS } from '../../src/engine/native/sharp';
import { spatialMaps } from '../../src/engine/extract/spatialMaps';
import { HeatmapCache } from '../../src/engine/render/heatmaps';
import { inputBox } from '../../src/engine/crop/inputBoxes';
import { normalizeByMax } from '../../src/core/nam';
import { softMask } from '../../src/core/sensitivityMask';
import { maxAbsDiff, pythonFixture, readFloat32 } from '../helpers/pythonFixtures';

// Two fixtures: the tiny models build in seconds; the torchvision ones (vit_b_16's and swin_t's configurations at a
// shallower depth, see the script) take longer and are built once, cached by the script's hash.
const fixture = (t: TestContext) => pythonFixture(t, 'model-vit-tiny', ['scripts/models/make_fixture_vit.py'], ['--no-large']);
const largeFixture = (t: TestContext) => pythonFixture(t, 'model-vit-large', ['scripts/models/make_fixture_vit.py'], ['--only-large']);

/** PyTorch's token map with feature i of image n times the sign of the class token's feature i (a zero counts as +1). */
function oriented(tokens: Float32Array, pooled: Float32Array, n: number, d: number): Float32Array {
  const hw = tokens.length / (n * d);
  const out = new Float32Array(tokens.length);
  for (let i = 0; i < n * d; i++) {
    const s = pooled[i] < 0 ? -1 : 1;
    for (let p = 0; p < hw; p++) out[i * hw + p] = s * tokens[i * hw + p];
  }
  return out;
}

async function checkTokenMap(dir: string, name: string, shape: [number, number, number], threads = 1): Promise<string[]> {
  const { info, adapted } = await loadModel(join(dir, `${name}.onnx`));
  assert.deepEqual(info.spatialShape, shape, `${name}: token map shape`);
  assert.equal(info.spatialOutput, TOKEN_MAP_OUTPUT, `${name}: a token map output`);
  const input = readFloat32(dir, `${name}.input.bin`);
  const model = await OrtModel.create(adapted, info, { threads });
  try {
    const out = await model.run(input.data, input.shape[0], true);
    const ref = readFloat32(dir, `${name}.tokens.bin`);
    const pooled = readFloat32(dir, `${name}.pooled.bin`).data;
    assert.deepEqual(ref.shape, [input.shape[0], ...shape]);
    assert.ok(out.spatial);
    const mapDiff = maxAbsDiff(out.spatial, oriented(ref.data, pooled, input.shape[0], shape[0]));
    assert.ok(mapDiff <= 1e-4, `${name}: token map differs from PyTorch's (oriented by its class token) by ${mapDiff}`);
    const pooledDiff = maxAbsDiff(out.pooled, pooled);
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

test('vit_b_16 (torchvision configuration, 2 layers, opset 14): 768 x 14 x 14 token map equals the PyTorch hook; features equal the head input', async (t) => {
  const dir = await largeFixture(t);
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

test('swin_t (configuration, one block a stage) keeps its CNN-style 768 x 7 x 7 map and its features equal the head input', async (t) => {
  const dir = await largeFixture(t);
  if (!dir) return;
  const { info, adapted } = await loadModel(join(dir, 'swin_t.onnx'));
  assert.ok(info.spatialOutput, 'the pooled map of the last stage');
  assert.notEqual(info.spatialOutput, TOKEN_MAP_OUTPUT);
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

test('planted: a feature the class token carries as a negative value shows its negative lobe in the heatmap, crop and mask', async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  await checkTokenMap(dir, 'planted_tiny', [24, 4, 4]);
  const raw = readFloat32(dir, 'planted_tiny.tokens.bin').data.subarray(0, 16);
  // Feature 0 is negative on the two lit patches and 0 elsewhere: a map drawn where it is positive would be blank.
  assert.equal(Math.max(...raw), 0);
  const lobe = [1 * 4 + 2, 3 * 4 + 0];
  const root = mkdtempSync(join(tmpdir(), 'spl-planted-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const modelPath = join(root, 'planted.onnx');
  copyFileSync(join(dir, 'planted_tiny.onnx'), modelPath);
  writeFileSync(join(root, 'planted.card.json'), JSON.stringify({ preprocess: { resize: 32, crop: 32, mean: [0, 0, 0], std: [1, 1, 1] } }));
  // The same image as the fixture's input: white 8 x 8 patches at grid (1, 2) and (3, 0) on black.
  const px = Buffer.alloc(32 * 32 * 3);
  for (const p of lobe) for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) px.fill(255, (((p >> 2) * 8 + y) * 32 + (p & 3) * 8 + x) * 3, (((p >> 2) * 8 + y) * 32 + (p & 3) * 8 + x) * 3 + 3);
  const image = join(root, 'lit.png');
  await sharp(px, { raw: { width: 32, height: 32, channels: 3 } }).png().toFile(image);
  const entry: ImageEntry = { rel: 'lit.png', path: image, label: 'a', split: 'train', size: 1, mtimeMs: 1 };
  const source = (r: { entries: ImageEntry[]; featureIndices: number[] }) => spatialMaps({ ...r, modelPath, cacheDir: join(root, 'cache'), threads: 1 });
  const { h, w, maps } = await source({ entries: [entry], featureIndices: [0] });
  const map = maps.get('lit.png')![0];
  const unit = normalizeByMax(map);
  for (let p = 0; p < 16; p++) assert.ok(Math.abs(unit[p] - (lobe.includes(p) ? 1 : 0)) < 1e-3, `patch ${p}: ${unit[p]}`);

  // The heatmap layer (colormap alone): bright over the lobe, dark elsewhere.
  const { info } = await loadModel(modelPath);
  const heat = new HeatmapCache(join(root, 'heatmaps'), info.sha256, info.card.preprocess, DEFAULT_DECODE_OPTIONS, source);
  const layer = (await heat.layers([entry], [0])).get('lit.png')!;
  const { data } = await sharp(layer.heat).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const lum = (x: number, y: number) => (data[(y * 32 + x) * 3] + data[(y * 32 + x) * 3 + 1] + data[(y * 32 + x) * 3 + 2]) / 3;
  assert.ok(lum(2 * 8 + 4, 1 * 8 + 4) > 150 && lum(0 * 8 + 4, 3 * 8 + 4) > 150, `lobe centres ${lum(20, 12)}, ${lum(4, 28)}`);
  assert.ok(lum(4, 4) < 40 && lum(28, 28) < 40, `background ${lum(4, 4)}, ${lum(28, 28)}`);

  // Sensitivity masks and core crops read the same oriented map.
  const mask = softMask(map, h, w, 32, 32);
  assert.ok(mask[12 * 32 + 20] > 0.8 && mask[4 * 32 + 4] < 0.1, `mask ${mask[12 * 32 + 20]} / ${mask[4 * 32 + 4]}`);
  const box = inputBox([map], [0], [0], { h, w }, 32, 0.5);
  assert.ok(box, 'a crop box');
  assert.ok(box.x0 <= 4 && box.x1 >= 20 && box.y0 <= 12 && box.y1 >= 28, JSON.stringify(box));
});

test("timm's distilled DeiT (class-token and distillation-token heads averaged) is refused by name, with the export to use", async (t) => {
  const dir = await fixture(t);
  if (!dir) return;
  await assert.rejects(loadModel(join(dir, 'distilled_tiny.onnx')), (e: Error) => {
    assert.match(e.message, /distilled_tiny\.onnx/);
    assert.match(e.message, /combines two linear heads \("\/head\/Gemm" and "\/head_dist\/Gemm"; their sum or mean\), as a distilled DeiT/);
    assert.match(e.message, /m\.head\(m\.forward_features\(x\)\[:, 0\]\)/);
    return true;
  });
});
