// Swapping a tuned head into the ONNX model: the written model computes W'x + b' on the same pooled features.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onnx } from 'onnx-proto';
import type { LinearHead } from '../../src/core/types';
import { loadModel } from '../../src/engine/model/loadModel';
import { ModelAdaptError } from '../../src/engine/model/errors';
import { swapHead, writeModelWithHead } from '../../src/engine/model/swapHead';
import { OrtModel } from '../../src/engine/native/ort';
import { attr, buildModel, convGemmModel, node, seeded, tensor, value } from '../helpers/onnxBuilder';
import { maxAbsDiff } from '../helpers/pythonFixtures';

const DIR = resolve(__dirname, '..', '.fixtures', 'model-swap-head');

function randomHead(classes: number, dim: number, seed: number): LinearHead {
  return { classes, dim, weight: seeded(classes * dim, seed), bias: seeded(classes, seed + 1) };
}

async function logitsAndPooled(file: string, input: Float32Array, batch: number) {
  const { info, adapted } = await loadModel(file);
  const model = await OrtModel.create(adapted, info, { threads: 1 });
  try {
    return { info, ...(await model.run(input, batch, false)) };
  } finally {
    await model.release();
  }
}

function applyHead(h: LinearHead, pooled: Float32Array, batch: number): Float32Array {
  const out = new Float32Array(batch * h.classes);
  for (let n = 0; n < batch; n++) {
    for (let c = 0; c < h.classes; c++) {
      let s = h.bias[c];
      for (let d = 0; d < h.dim; d++) s += h.weight[c * h.dim + d] * pooled[n * h.dim + d];
      out[n * h.classes + c] = s;
    }
  }
  return out;
}

test('Gemm head replaced: same pooled features, logits from the new head, old weights gone, card written', async () => {
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  const src = join(DIR, 'src.onnx');
  writeFileSync(src, convGemmModel({ alpha: 2, beta: 0.5 }).bytes);
  writeFileSync(join(DIR, 'src.card.json'), JSON.stringify({ name: 'tiny', preprocess: { mean: [0, 0, 0], std: [1, 1, 1] }, labels: ['a', 'b', 'c', 'd', 'e'] }));
  const head = randomHead(5, 4, 20);
  const out = join(DIR, 'tuned.onnx');
  await writeModelWithHead(src, head, out);

  const input = seeded(2 * 3 * 8 * 8, 21);
  const before = await logitsAndPooled(src, input, 2);
  const after = await logitsAndPooled(out, input, 2);
  assert.equal(maxAbsDiff(after.pooled, before.pooled), 0);
  assert.ok(maxAbsDiff(after.logits, applyHead(head, after.pooled, 2)) <= 1e-5);
  assert.deepEqual(Array.from(after.info.headWeight), Array.from(head.weight));
  assert.deepEqual(Array.from(after.info.headBias), Array.from(head.bias));
  assert.deepEqual(after.info.labels, ['a', 'b', 'c', 'd', 'e']);
  assert.deepEqual(after.info.card.preprocess, before.info.card.preprocess);
  const inits = onnx.ModelProto.decode(readFileSync(out)).graph!.initializer!.map((t) => t.name);
  assert.ok(!inits.includes('B') && !inits.includes('C'), `old head initializers removed: ${inits}`);
});

test('MatMul + Add head before a Softmax replaced with a head of another class count', async () => {
  mkdirSync(DIR, { recursive: true });
  const bytes = buildModel({
    inputs: [value('x', ['N', 3, 4, 4])],
    outputs: [value('prob', ['N', 4])],
    initializers: [tensor('W', [4, 3], seeded(12, 30)), tensor('b', [4], seeded(4, 31))],
    nodes: [
      node('GlobalAveragePool', ['x'], ['gap']),
      node('Flatten', ['gap'], ['flat'], [attr.i('axis', 1)]),
      node('Transpose', ['W'], ['Wt'], [attr.ints('perm', [1, 0])]),
      node('MatMul', ['flat', 'Wt'], ['mm']),
      node('Add', ['mm', 'b'], ['logits']),
      node('Softmax', ['logits'], ['prob'], [attr.i('axis', 1)]),
    ],
  });
  const head = randomHead(2, 3, 40);
  const swapped = swapHead(bytes, head, 'm.onnx');
  const g = onnx.ModelProto.decode(swapped).graph!;
  assert.deepEqual(g.node!.map((n) => n.opType), ['GlobalAveragePool', 'Flatten', 'Gemm', 'Softmax']);
  assert.deepEqual(g.initializer!.map((t) => t.name).sort(), ['spuriosity_lens.head.bias', 'spuriosity_lens.head.weight']);
  assert.equal(Number(g.output![0].type!.tensorType!.shape!.dim![1].dimValue), 2);
  const file = join(DIR, 'softmax.onnx');
  writeFileSync(file, swapped);
  const input = seeded(3 * 3 * 4 * 4, 41);
  const r = await logitsAndPooled(file, input, 3);
  assert.equal(r.info.classes, 2);
  assert.ok(maxAbsDiff(r.logits, applyHead(head, r.pooled, 3)) <= 1e-5);
});

test('a head of the wrong feature dimension is refused', () => {
  assert.throws(() => swapHead(convGemmModel().bytes, randomHead(5, 7, 1), 'm.onnx'),
    (e: unknown) => e instanceof ModelAdaptError && /new head takes 7 features but the model's head input "flat" has 4/.test(e.message));
});
