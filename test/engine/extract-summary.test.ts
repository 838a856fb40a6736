import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { extract, extractSummary } from '../../src/engine/extract/pipeline';
import type { ExtractDeps } from '../../src/engine/extract/types';
import { argmaxRows } from '../../src/core/linalg';
import { fakeDeps, writeFakeDataset } from './extractFakes';
import { extractForTransfer } from '../../src/engine/extract/transferExtract';
import { unpackResult } from '../../src/engine/extract/bulkTransfer';
import { SCRATCH_ROWS } from '../../src/engine/extract/rowStore';

const tmp = () => mkdtempSync(join(tmpdir(), 'spl-summary-'));

/** Fake adapters whose model has `dim` features (so n x dim is large next to any per-batch buffer) and 2 classes. */
function wideDeps(dim: number): ExtractDeps {
  const base = fakeDeps();
  return {
    ...base,
    loadModel: async () => {
      const { info, adapted } = await base.loadModel('fake');
      return { info: { ...info, dim, spatialShape: [dim, 2, 2], headWeight: new Float32Array(dim * info.classes) }, adapted };
    },
    createModel: async () => ({
      run: async (input, batch) => {
        const size = 3 * 4 * 4;
        const pooled = new Float32Array(batch * dim);
        const logits = new Float32Array(batch * 2);
        for (let j = 0; j < batch; j++) {
          for (let d = 0; d < dim; d++) pooled[j * dim + d] = input[j * size + (d % size)] * (1 + (d % 7));
          logits[j * 2] = input[j * size] - input[j * size + 1];
          logits[j * 2 + 1] = -logits[j * 2];
        }
        return { pooled, logits, spatial: null };
      },
      release: async () => undefined,
    }),
  };
}

/** Runs fn while recording the length of every Float32Array constructed (slices and views included). */
async function largestFloat32Array<T>(fn: () => Promise<T>): Promise<{ value: T; largest: number }> {
  const Original = globalThis.Float32Array;
  let largest = 0;
  class Spy extends Original {
    constructor(...args: unknown[]) {
      super(...(args as [number]));
      largest = Math.max(largest, this.length);
    }
  }
  globalThis.Float32Array = Spy as unknown as Float32ArrayConstructor;
  try {
    const value = await fn();
    return { value, largest };
  } finally {
    globalThis.Float32Array = Original;
  }
}

test('extractSummary: counts, failures and predictions equal extract\'s, cold, warm and after a compaction', async () => {
  const dataset = await writeFakeDataset(tmp(), 41, [5, 30]);
  const full = await extract({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 4, deps: fakeDeps() });
  const cacheDir = tmp();
  const cold = await extractSummary({ dataset, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps() });
  const warm = await extractSummary({ dataset, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps() });
  assert.ok(!('features' in cold) && !('logits' in cold), 'no matrices are returned');
  const expected = argmaxRows({ rows: full.entries.length, cols: full.model.classes, data: full.logits });
  assert.deepEqual(full.predicted, expected, 'extract reports the argmax of its logits');
  for (const r of [cold, warm]) {
    assert.deepEqual(r.entries, full.entries);
    assert.deepEqual(r.failures, full.failures);
    assert.deepEqual(r.predicted, expected);
  }
  assert.equal(cold.computed, 39);
  assert.equal(warm.cacheHits, 39);
  // A cache filled without matrices serves extract the same features as one filled with them.
  const fromSummaryCache = await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps() });
  assert.equal(fromSummaryCache.computed, 0);
  assert.deepEqual(fromSummaryCache.features, full.features);
  assert.deepEqual(fromSummaryCache.logits, full.logits);
  // Half the images gone: the streaming compaction keeps exactly the live ones, failures included.
  const kept = { ...dataset, images: dataset.images.slice(0, 20) };
  const small = await extractSummary({ dataset: kept, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps(), shardRows: 6 });
  const modelDir = join(cacheDir, readdirSync(cacheDir)[0]);
  const live = small.entries.length;
  assert.equal(readdirSync(modelDir).filter((f) => f.startsWith('shard-')).length, Math.ceil(live / 6));
  const decoded: string[] = [];
  const afterCompaction = await extract({ dataset: kept, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps({ onDecode: (p) => decoded.push(p) }) });
  assert.equal(decoded.length, 0, 'live images and cached failures survive compaction');
  assert.deepEqual(afterCompaction.failures, small.failures);
  assert.deepEqual(afterCompaction.predicted, small.predicted);
  const keptRows = full.entries.map((e, i) => [e, i] as const).filter(([e]) => kept.images.includes(e)).map(([, i]) => i);
  assert.deepEqual(afterCompaction.features, Float32Array.from(keptRows.flatMap((i) => [...full.features.subarray(i * 6, (i + 1) * 6)])));
});

test('extractSummary: never allocates an n x D matrix (cold run, warm run, compaction); extract does', async () => {
  const dim = 4096;
  const n = 96;
  const dataset = await writeFakeDataset(tmp(), n, [7]);
  const cacheDir = tmp();
  const deps = wideDeps(dim);
  const run = (images = dataset.images) => extractSummary({ dataset: { ...dataset, images }, modelPath: 'fake', cacheDir, batchSize: 4, deps, shardRows: 8 });
  const cold = await largestFloat32Array(() => run());
  const warm = await largestFloat32Array(() => run());
  const compacting = await largestFloat32Array(() => run(dataset.images.slice(0, 40)));
  assert.equal(cold.value.computed, n - 1);
  assert.equal(warm.value.cacheHits, n - 1);
  assert.ok(readdirSync(join(cacheDir, readdirSync(cacheDir)[0])).filter((f) => f.startsWith('shard-')).length <= 5, 'the compaction ran');
  // The largest buffers are one batch's or one compacted shard's rows (8 x dim), never n x dim.
  for (const r of [cold, warm, compacting]) assert.ok(r.largest <= 8 * dim, `largest Float32Array ${r.largest} > ${8 * dim}`);
  // The same spy sees extract's matrix, so the assertion above can fail.
  const full = await largestFloat32Array(() => extract({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 4, deps }));
  assert.ok(full.largest >= (n - 1) * dim);
  assert.deepEqual(full.value.predicted, cold.value.predicted);
});

test('child transfer: rows stream into the transfer file (the child holds no n x D matrix) and unpack to extract\'s matrices', async () => {
  const dim = 1024;
  const n = 600;
  const dataset = await writeFakeDataset(tmp(), n, [3, 450]);
  const deps = wideDeps(dim);
  const ref = await extract({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 8, deps });
  const cacheDir = tmp();
  assert.ok(SCRATCH_ROWS < n - 2);
  for (const run of ['cold', 'warm']) {
    // shardRows: the cold run's 75 batch shards are compacted, one output shard's rows at a time.
    const sent = await largestFloat32Array(() => extractForTransfer({ dataset, modelPath: 'fake', cacheDir, batchSize: 8, deps, shardRows: 64 }, 0));
    const { result, bulk } = sent.value;
    assert.ok(bulk, `${run}: a transfer file`);
    assert.equal(result.features.length + result.logits.length, 0);
    assert.equal(run === 'cold' ? result.computed : result.cacheHits, n - 2);
    assert.ok(sent.largest <= SCRATCH_ROWS * dim, `${run}: largest Float32Array ${sent.largest} > ${SCRATCH_ROWS * dim}`);
    const back = await unpackResult(structuredClone(result), structuredClone(bulk));
    assert.deepEqual(back.entries, ref.entries);
    assert.deepEqual(back.failures, ref.failures);
    assert.deepEqual(back.predicted, ref.predicted);
    assert.deepEqual(back.features, ref.features);
    assert.deepEqual(back.logits, ref.logits);
    assert.ok(!readdirSync(join(cacheDir, ref.model.sha256)).some((f) => f.startsWith('tmp-')), 'the transfer file is removed');
  }
  const inline = await extractForTransfer({ dataset, modelPath: 'fake', cacheDir, batchSize: 8, deps }, Number.POSITIVE_INFINITY);
  assert.equal(inline.bulk, null);
  assert.deepEqual(inline.result.features, ref.features);
  // A cancelled run leaves no transfer file behind.
  const c = new AbortController();
  await assert.rejects(extractForTransfer({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 8, deps, signal: c.signal, onProgress: (p) => { if (p.done > 16) c.abort(); } }, 0), { name: 'AbortError' });
});
