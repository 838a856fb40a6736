// Model cards: validation errors name the card file and the field; absent values fall back to detected defaults.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { cardPathFor, defaultPreprocess, readCard, validateCard, IMAGENET_MEAN, IMAGENET_STD } from '../../src/engine/model/card';
import { ModelCardError } from '../../src/engine/model/errors';
import { loadModel } from '../../src/engine/model/loadModel';
import { convGemmModel } from '../helpers/onnxBuilder';

const DIR = resolve(__dirname, '..', '.fixtures', 'model-card');
const CARD = 'model.card.json';
const ctx = { classes: 3, inputSize: 224 };

function rejects(json: unknown, field: string, pattern: RegExp, c = ctx): void {
  assert.throws(() => validateCard(json, CARD, c), (e: unknown) => {
    assert.ok(e instanceof ModelCardError, String(e));
    assert.equal(e.field, field);
    assert.ok(e.message.startsWith(`${CARD}: `), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

test('card path sits next to the model', () => {
  assert.equal(cardPathFor('/m/resnet.onnx'), '/m/resnet.card.json');
  assert.equal(cardPathFor('/m/resnet.ONNX'), '/m/resnet.card.json');
  assert.equal(cardPathFor('/m/model'), '/m/model.card.json');
});

test('defaults: crop from the input, resize = round(crop / 0.875), ImageNet mean/std', () => {
  assert.deepEqual(defaultPreprocess(224), { resize: 256, crop: 224, mean: IMAGENET_MEAN, std: IMAGENET_STD });
  assert.equal(defaultPreprocess(384).resize, 439);
  const { card } = validateCard({ preprocess: { mean: [0, 0, 0], std: [1, 1, 1] } }, CARD, { classes: 3, inputSize: 299 });
  assert.deepEqual(card.preprocess, { resize: 342, crop: 299, mean: [0, 0, 0], std: [1, 1, 1] });
  const dyn = validateCard({}, CARD, { classes: 3, inputSize: null }).card;
  assert.equal(dyn.preprocess.crop, 224);
});

test('a valid card is taken as written', () => {
  const json = { name: 'robust', provenance: 'test', preprocess: { resize: 256, crop: 224, mean: [0, 0, 0], std: [1, 1, 1] }, labels: ['a', 'b', 'c'], wnids: ['n01440764', 'n01443537', 'n01484850'] };
  const { card, labelsFromFile } = validateCard(json, CARD, ctx);
  assert.deepEqual(card, json);
  assert.equal(labelsFromFile, false);
});

test('validation errors name the field and what is valid', () => {
  rejects([], '', /must be a JSON object/);
  rejects({ labelFile: 'x' }, 'labelFile', /not a model card field; valid fields are name, preprocess, labels, labelsFile/);
  rejects({ name: 3 }, 'name', /must be a string; got number/);
  rejects({ preprocess: 'imagenet' }, 'preprocess', /must be an object/);
  rejects({ preprocess: { crop: 224, size: 3 } }, 'preprocess.size', /not a preprocess field/);
  rejects({ preprocess: { crop: 22.5 } }, 'preprocess.crop', /whole number of pixels/);
  rejects({ preprocess: { crop: 256 } }, 'preprocess.crop', /is 256 but the model's input is 224 x 224/);
  rejects({ preprocess: { resize: 200 } }, 'preprocess.resize', /smaller than crop 224/);
  rejects({ preprocess: { mean: [0.5, 0.5] } }, 'preprocess.mean', /three numbers/);
  rejects({ preprocess: { mean: [124, 116, 104] } }, 'preprocess.mean', /0-255 pixel units/);
  rejects({ preprocess: { std: [0.2, 0, 0.2] } }, 'preprocess.std', /must be positive/);
  rejects({ labels: ['a', 'b'] }, 'labels', /has 2 entries but the model has 3 classes/);
  rejects({ labels: ['a', '', 'c'] }, 'labels[1]', /non-empty string/);
  rejects({ labels: ['a', 'b', 'c'], labelsFile: 'l.txt' }, 'labelsFile', /cannot be given together with "labels"/);
  rejects({ wnids: ['n01440764', 'tench', 'n01484850'] }, 'wnids[1]', /expected a WordNet id/);
});

test('readCard: absent card gives defaults; labelsFile is read relative to the card and checked', async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(join(DIR, 'labels'), { recursive: true });
  const model = join(DIR, 'm.onnx');
  const none = await readCard(model, { classes: 2, inputSize: null });
  assert.equal(none.cardPath, null);
  assert.deepEqual(none.labels, ['class_0', 'class_1']);
  assert.deepEqual(none.card.preprocess, defaultPreprocess(224));

  writeFileSync(join(DIR, 'labels', 'names.txt'), 'tench\r\ngoldfish\n\n');
  writeFileSync(join(DIR, 'm.card.json'), JSON.stringify({ labelsFile: 'labels/names.txt' }));
  const withFile = await readCard(model, { classes: 2, inputSize: null });
  assert.deepEqual(withFile.labels, ['tench', 'goldfish']);
  assert.equal(withFile.card.labelsFile, 'labels/names.txt');

  await assert.rejects(readCard(model, { classes: 3, inputSize: null }), /m\.card\.json: "labelsFile" .*names\.txt has 2 labels but the model has 3 classes/);
  writeFileSync(join(DIR, 'm.card.json'), JSON.stringify({ labelsFile: 'missing.txt' }));
  await assert.rejects(readCard(model, { classes: 2, inputSize: null }), /"labelsFile" names .*missing\.txt, which cannot be read \(ENOENT\)/);
  writeFileSync(join(DIR, 'm.card.json'), '{ "name": ');
  await assert.rejects(readCard(model, { classes: 2, inputSize: null }), /m\.card\.json: is not valid JSON/);
});

test('loadModel applies the card: labels in logit order, preprocess, and card errors reject the load', async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const model = join(DIR, 'gemm.onnx');
  writeFileSync(model, convGemmModel().bytes);
  writeFileSync(join(DIR, 'gemm.card.json'), JSON.stringify({ name: 'tiny', labels: ['a', 'b', 'c', 'd', 'e'], preprocess: { resize: 10 } }));
  const { info } = await loadModel(model);
  assert.deepEqual(info.labels, ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(info.card.preprocess, { resize: 10, crop: 8, mean: IMAGENET_MEAN, std: IMAGENET_STD });
  writeFileSync(join(DIR, 'gemm.card.json'), JSON.stringify({ labels: ['a'] }));
  await assert.rejects(loadModel(model), (e: unknown) => e instanceof ModelCardError && e.field === 'labels');
  await assert.rejects(loadModel(join(DIR, 'nope.onnx')), /nope\.onnx: does not exist; expected an ONNX image classifier/);
});
