import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { extract } from '../../src/engine/extract/pipeline';
import type { ExtractProgress } from '../../src/engine/extract/types';
import { fromFloat16Bits, toFloat16Bits } from '../../src/engine/cache/float16';
import { FAKE_DIM, fakeDeps, entryOf, writeFakeDataset } from './extractFakes';

const tmp = () => mkdtempSync(join(tmpdir(), 'spl-extract-'));

test('extract: computes every image once, then serves them from the cache; failures are reported with path and reason', async () => {
  const root = tmp();
  const cacheDir = tmp();
  const dataset = await writeFakeDataset(root, 37, [3, 20]);
  const decoded: string[] = [];
  const runs: number[] = [];
  const deps = fakeDeps({ onDecode: (p) => decoded.push(p), onRun: (b) => runs.push(b) });
  const first = await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 8, deps });
  assert.equal(first.computed, 35);
  assert.equal(first.cacheHits, 0);
  assert.equal(first.entries.length, 35);
  assert.equal(first.features.length, 35 * FAKE_DIM);
  assert.equal(decoded.length, 37);
  assert.ok(runs.every((b) => b <= 8) && runs.reduce((a, b) => a + b, 0) === 35);
  assert.deepEqual(first.failures.map((f) => [f.rel, f.reason]).sort(), [['cat/img0020.png', 'corrupt'], ['dog/img0003.png', 'corrupt']]);
  assert.ok(first.failures.every((f) => f.path.startsWith(root) && f.message.includes(f.path)));
  // Entries stay in dataset order.
  const order = dataset.images.map((e) => e.rel).filter((r) => !first.failures.some((f) => f.rel === r));
  assert.deepEqual(first.entries.map((e) => e.rel), order);

  decoded.length = 0;
  const second = await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 8, deps });
  assert.equal(decoded.length, 0, 'nothing is decoded again, not even the failed images');
  assert.equal(second.cacheHits, 35);
  assert.equal(second.computed, 0);
  assert.deepEqual(second.failures, first.failures);
  assert.deepEqual(second.features, first.features, 'warm and cold runs give identical features');
  assert.deepEqual(second.logits, first.logits);
  for (const v of first.features) assert.equal(fromFloat16Bits(toFloat16Bits(v)), v);

  decoded.length = 0;
  const retried = await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 8, deps, retryFailed: true });
  assert.deepEqual(decoded.sort(), first.failures.map((f) => f.path).sort());
  assert.equal(retried.failures.length, 2);
});

test('extract: a touched file is recomputed, a deleted one dropped, an added one computed', async () => {
  const root = tmp();
  const cacheDir = tmp();
  const dataset = await writeFakeDataset(root, 20);
  const decoded: string[] = [];
  const deps = fakeDeps({ onDecode: (p) => decoded.push(p) });
  await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 4, deps });

  const touched = dataset.images[5];
  utimesSync(touched.path, new Date(), new Date(Date.now() + 5000));
  const deleted = dataset.images[9];
  rmSync(deleted.path);
  const added = await writeFakeDataset(join(root, 'extra'), 1);
  const images = dataset.images.filter((e) => e !== deleted).map((e) => (e === touched ? null : e));
  const touchedNow = await entryOf(root, touched.rel, touched.label);
  const next = { ...dataset, images: [...images.map((e) => e ?? touchedNow), { ...added.images[0], rel: `extra/${added.images[0].rel}` }] };

  decoded.length = 0;
  const r = await extract({ dataset: next, modelPath: 'fake', cacheDir, batchSize: 4, deps });
  assert.deepEqual(decoded.sort(), [touched.path, added.images[0].path].sort());
  assert.equal(r.computed, 2);
  assert.equal(r.cacheHits, 18);
  assert.equal(r.entries.length, 20);
  assert.ok(!r.entries.some((e) => e.rel === deleted.rel));
});

test('extract: progress is monotone, phases in order, ends done with every image accounted for', async () => {
  const dataset = await writeFakeDataset(tmp(), 50, [7]);
  const events: ExtractProgress[] = [];
  await extract({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 5, deps: fakeDeps({ runDelayMs: 2 }), onProgress: (p) => events.push(p) });
  const phases = ['loading-model', 'scanning-cache', 'extracting', 'done'];
  let lastPhase = 0;
  for (let i = 1; i < events.length; i++) {
    assert.ok(events[i].done >= events[i - 1].done);
    assert.ok(events[i].failed >= events[i - 1].failed);
    const ph = phases.indexOf(events[i].phase);
    assert.ok(ph >= lastPhase);
    lastPhase = ph;
  }
  assert.deepEqual(events.map((e) => e.phase).filter((p, i, a) => a.indexOf(p) === i), phases);
  const last = events[events.length - 1];
  assert.equal(last.done, 50);
  assert.equal(last.failed, 1);
  assert.equal(last.total, 50);
});

test('extract: cancellation stops within one batch and keeps finished batches in the cache', async () => {
  const dataset = await writeFakeDataset(tmp(), 60);
  const cacheDir = tmp();
  const controller = new AbortController();
  let runs = 0;
  const deps = fakeDeps({
    runDelayMs: 5,
    onRun: () => {
      runs++;
      if (runs === 3) controller.abort();
    },
  });
  await assert.rejects(extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 4, deps, signal: controller.signal }), { name: 'AbortError' });
  assert.equal(runs, 3, 'no batch runs after the one in flight when cancelled');
  const decoded: string[] = [];
  const again = await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps({ onDecode: (p) => decoded.push(p) }) });
  assert.equal(again.cacheHits, 12);
  assert.equal(decoded.length, 48);
  assert.ok(readdirSync(cacheDir).length === 1);
});

test('extract: an empty dataset and an already aborted signal are handled', async () => {
  const empty = { root: tmp(), layout: 'imagefolder' as const, validationSource: null, classes: [], images: [], skipped: [] };
  const r = await extract({ dataset: empty, modelPath: 'fake', cacheDir: tmp(), deps: fakeDeps() });
  assert.equal(r.entries.length, 0);
  assert.equal(r.features.length, 0);
  const c = new AbortController();
  c.abort();
  await assert.rejects(extract({ dataset: empty, modelPath: 'fake', cacheDir: tmp(), deps: fakeDeps(), signal: c.signal }), { name: 'AbortError' });
});

test('extract: when many images are gone the cache is compacted to one shard holding exactly the live ones', async () => {
  const dataset = await writeFakeDataset(tmp(), 40, [1]);
  const cacheDir = tmp();
  await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps() });
  const modelDir = join(cacheDir, readdirSync(cacheDir)[0]);
  assert.equal(readdirSync(modelDir).filter((f) => f.startsWith('shard-')).length, 10);
  const kept = { ...dataset, images: dataset.images.slice(0, 20) };
  const r = await extract({ dataset: kept, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps() });
  assert.equal(readdirSync(modelDir).filter((f) => f.startsWith('shard-')).length, 1);
  const decoded: string[] = [];
  const after = await extract({ dataset: kept, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps({ onDecode: (p) => decoded.push(p) }) });
  assert.equal(decoded.length, 0, 'live images and cached failures survive compaction');
  assert.deepEqual(after.features, r.features);
  assert.deepEqual(after.failures, r.failures);
  const dropped = await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps({ onDecode: (p) => decoded.push(p) }) });
  assert.equal(dropped.cacheHits, 20);
  assert.equal(dropped.computed + dropped.failures.length, 20, 'images dropped by compaction are decoded again');
  assert.equal(decoded.length, 20);
});

test('bulk transfer: large result arrays round-trip through a temp file that is then removed', async () => {
  const { packResult, unpackResult } = await import('../../src/engine/extract/bulkTransfer');
  const dataset = await writeFakeDataset(tmp(), 9, [2]);
  const cacheDir = tmp();
  const r = await extract({ dataset, modelPath: 'fake', cacheDir, deps: fakeDeps() });
  const small = await packResult(r, cacheDir);
  assert.equal(small.bulk, null);
  const packed = await packResult(r, cacheDir, 0);
  assert.ok(packed.bulk && packed.result.features.length === 0);
  const back = await unpackResult(structuredClone(packed.result), packed.bulk);
  assert.deepEqual(back.features, r.features);
  assert.deepEqual(back.logits, r.logits);
  assert.ok(!readdirSync(join(cacheDir, r.model.sha256)).some((f) => f.startsWith('tmp-')));
});

test('extract: an unusable cache folder is a clear error naming the folder', async () => {
  const dataset = await writeFakeDataset(tmp(), 2);
  const file = join(tmp(), 'a-file');
  writeFileSync(file, 'x');
  await assert.rejects(extract({ dataset, modelPath: 'fake', cacheDir: file, deps: fakeDeps() }), (e: Error) => e.message.includes(file) && /writable folder/.test(e.message));
});
