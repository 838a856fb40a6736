// The model-info child job: compare's up-front model check run through the real worker entry (the engine's loader in
// a child process), so the extension host never loads or adapts an ONNX graph on its own thread.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { childRunner } from '../../src/engine/jobs/runInChild';
import { checkModelInProcess, checkModels } from '../../src/engine/compare/checkInputs';
import { convGemmModel } from '../helpers/onnxBuilder';

const workerPath = join(__dirname, '..', '..', 'src', 'engine', 'jobs', 'worker.ts');
const modelInfoInChild = childRunner('model-info', { workerPath });

test('modelInfoInChild answers what the in-process check answers, and a bad model fails naming its file', async (t) => {
  const dir = join(__dirname, '..', '.fixtures', `model-info-child-${process.pid}`);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, 'tiny.onnx');
  writeFileSync(modelPath, convGemmModel({ size: 'S' }).bytes);
  writeFileSync(join(dir, 'tiny.card.json'), JSON.stringify({ preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] } }));
  const notOnnx = join(dir, 'notes.onnx');
  writeFileSync(notOnnx, 'not a model');

  const inChild = await modelInfoInChild({ modelPath });
  const local = await checkModelInProcess({ modelPath });
  assert.deepEqual(inChild, local);
  assert.ok(inChild.headWeight instanceof Float32Array, 'typed arrays cross as typed arrays');
  assert.equal(inChild.dim, 4);
  assert.equal(inChild.classes, 5);

  // as compare uses it: one child per model, the unusable ones reported by file without stopping the others
  const checked = await checkModels([modelPath, join(dir, 'missing.onnx'), notOnnx], modelInfoInChild);
  assert.equal(checked.infos[0]?.sha256, local.sha256);
  assert.deepEqual(checked.infos.slice(1), [null, null]);
  assert.equal(checked.problems.length, 2);
  assert.match(checked.problems[0], /missing\.onnx: does not exist/);
  assert.ok(checked.problems[1].includes(notOnnx), checked.problems[1]);
});
