// The warm path's stored model description (model/modelInfoCache.ts): keyed by path + size + mtime, card re-read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadModel } from '../../src/engine/model/loadModel';
import { loadModelWarm, modelEntryPaths } from '../../src/engine/model/modelInfoCache';

const DEMO = join(__dirname, '..', '..', 'models', 'demo', 'spurious-mnist');

function fixture(): { dir: string; model: string; cache: string } {
  const dir = mkdtempSync(join(tmpdir(), 'warm-'));
  const model = join(dir, 'm.onnx');
  copyFileSync(`${DEMO}.onnx`, model);
  copyFileSync(`${DEMO}.card.json`, join(dir, 'm.card.json'));
  return { dir, model, cache: join(dir, 'cache') };
}

test('warm path: the second load comes from the stored entry with the same description, and adapted() gives loadModel\'s bytes', async () => {
  const { dir, model, cache } = fixture();
  try {
    const cold = await loadModelWarm(model, cache);
    assert.equal(cold.fromStore, false);
    const warm = await loadModelWarm(model, cache);
    assert.equal(warm.fromStore, true);
    assert.equal(warm.info.sha256, cold.info.sha256);
    assert.deepEqual(warm.info.headWeight, cold.info.headWeight);
    assert.deepEqual(warm.info.headBias, cold.info.headBias);
    assert.deepEqual({ ...warm.info, headWeight: null, headBias: null }, { ...cold.info, headWeight: null, headBias: null });
    const full = await loadModel(model);
    assert.deepEqual(await warm.adapted(), full.adapted);
    assert.deepEqual(await cold.adapted(), full.adapted);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('warm path: a new mtime or size reloads (and re-hashes) the model; a changed card shows at once', async () => {
  const { dir, model, cache } = fixture();
  try {
    const first = await loadModelWarm(model, cache);
    utimesSync(model, new Date(), new Date(Date.now() + 5000));
    const touched = await loadModelWarm(model, cache);
    assert.equal(touched.fromStore, false, 'mtime changed: not trusted');
    assert.equal(touched.info.sha256, first.info.sha256);
    const card = JSON.parse(readFileSync(join(dir, 'm.card.json'), 'utf8')) as { name?: string };
    writeFileSync(join(dir, 'm.card.json'), JSON.stringify({ ...card, name: 'renamed' }));
    const renamed = await loadModelWarm(model, cache);
    assert.equal(renamed.fromStore, true);
    assert.equal(renamed.info.card.name, 'renamed');
    // Another model in the same place: reloaded, a new sha256 (its features go to another folder).
    copyFileSync(join(DEMO, '..', 'spurious-mnist-b.onnx'), model);
    const other = await loadModelWarm(model, cache);
    assert.equal(other.fromStore, false);
    assert.notEqual(other.info.sha256, first.info.sha256);
    assert.ok(readFileSync(modelEntryPaths(cache, model).json, 'utf8').includes(other.info.sha256), 'the entry now describes the new file');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('warm path: a missing model still fails with loadModel\'s message naming the file', async () => {
  const { dir, cache } = fixture();
  try {
    await assert.rejects(loadModelWarm(join(dir, 'nope.onnx'), cache), /nope\.onnx: does not exist/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
