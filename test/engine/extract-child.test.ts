// Tests of the child-process path. When forked with SPL_FAKE_WORKER=1 this file is not a test
// but a worker serving the IPC protocol with fake adapters (so no native module is needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { serveJobs } from '../../src/engine/jobs/serve';
import { childRunner, type ChildOptions } from '../../src/engine/jobs/runInChild';
import { extract } from '../../src/engine/extract/pipeline';
import { spatialMaps } from '../../src/engine/extract/spatialMaps';
import { isFromWorker, type ToWorker } from '../../src/engine/jobs/ipc';
import { decodeShard } from '../../src/engine/cache/shard';
import type { ExtractProgress } from '../../src/engine/extract/types';
import { FAKE_DIM, fakeDeps, writeFakeDataset } from './extractFakes';
import { seededRgb } from '../helpers/hostile';
import { convGemmModel } from '../helpers/onnxBuilder';
import type { ExtractRequest } from '../../src/engine/extract/types';
import type { SpatialRequest } from '../../src/engine/extract/spatialMaps';
import { discoverDataset } from '../../src/engine/dataset/discover';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import sharp from 'sharp';

const self = __filename;
const tmp = () => mkdtempSync(join(tmpdir(), 'spl-child-'));
const childEnv = (runDelayMs: number, extra: NodeJS.ProcessEnv = {}) => ({ ...process.env, SPL_FAKE_WORKER: '1', SPL_FAKE_DELAY: String(runDelayMs), ...extra });

type Hooked = ChildOptions & { signal?: AbortSignal; onProgress?(p: ExtractProgress): void };
const extractInChild = ({ workerPath, execArgv, graceMs, env, signal, onProgress, ...request }: ExtractRequest & Hooked) =>
  childRunner('extract', { workerPath, execArgv, graceMs, env })(request, { signal, onProgress });
const spatialMapsInChild = ({ workerPath, execArgv, graceMs, env, signal, ...request }: SpatialRequest & Hooked) =>
  childRunner('spatial', { workerPath, execArgv, graceMs, env })(request, { signal });

if (process.env.SPL_FAKE_WORKER === '1') {
  if (process.env.SPL_FAKE_CRASH === '1') setTimeout(() => process.abort(), 200);
  serveJobs(fakeDeps({ runDelayMs: Number(process.env.SPL_FAKE_DELAY ?? 0) }));
} else {
  test('child: extractInChild returns the same result as in-process extraction, with progress', async () => {
    const dataset = await writeFakeDataset(tmp(), 30, [4]);
    const events: ExtractProgress[] = [];
    const r = await extractInChild({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 4, workerPath: self, env: childEnv(0), onProgress: (p) => events.push(p) });
    // Large results travel through a file; force that path with a zero threshold.
    const viaFile = await extractInChild({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 4, workerPath: self, env: childEnv(0, { SPURIOSITY_BULK_THRESHOLD: '0' }) });
    assert.deepEqual(viaFile.features, r.features);
    assert.deepEqual(viaFile.logits, r.logits);
    const local = await extract({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 4, deps: fakeDeps() });
    assert.ok(r.features instanceof Float32Array);
    assert.deepEqual(r.features, local.features);
    assert.deepEqual(r.entries, local.entries);
    assert.deepEqual(r.failures, local.failures);
    assert.ok(events.length >= 2);
    assert.equal(events[events.length - 1].phase, 'done');
  });

  test('child: a native crash in the child becomes a clear error', async () => {
    const dataset = await writeFakeDataset(tmp(), 200);
    await assert.rejects(
      extractInChild({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 2, workerPath: self, env: childEnv(20, { SPL_FAKE_CRASH: '1' }) }),
      (e: Error) => e.name === 'WorkerCrashError' && /SIGABRT|code 134/.test(e.message) && /native crash/.test(e.message),
    );
  });

  test('child: cancellation stops the child and finished batches stay cached', async () => {
    const dataset = await writeFakeDataset(tmp(), 200);
    const cacheDir = tmp();
    const c = new AbortController();
    await assert.rejects(
      extractInChild({
        dataset, modelPath: 'fake', cacheDir, batchSize: 4, workerPath: self, env: childEnv(20), signal: c.signal,
        onProgress: (p) => { if (p.done >= 20) c.abort(); },
      }),
      { name: 'AbortError' },
    );
    const again = await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 4, deps: fakeDeps() });
    assert.ok(again.cacheHits >= 20 && again.cacheHits < 200, `hits ${again.cacheHits}`);
  });

  test('child: SIGKILL mid-run, then re-run: finished batches are hits, result identical to an uninterrupted run, no corrupt shard', async () => {
    const dataset = await writeFakeDataset(tmp(), 300, [17, 150]);
    const cacheDir = tmp();
    const child = fork(self, [], { execArgv: ['--import', 'tsx'], serialization: 'advanced', env: childEnv(15), stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let doneAtKill = 0;
    await new Promise<void>((resolve) => {
      child.on('message', (m: unknown) => {
        if (isFromWorker(m) && m.type === 'progress' && (m.progress as ExtractProgress).done >= 120 && doneAtKill === 0) {
          doneAtKill = (m.progress as ExtractProgress).done;
          child.kill('SIGKILL');
        }
      });
      child.on('exit', () => resolve());
      child.send({ type: 'run', job: 'extract', request: { dataset, modelPath: 'fake', cacheDir, batchSize: 8 } } satisfies ToWorker);
    });
    assert.ok(doneAtKill >= 120 && doneAtKill < 300, `killed at ${doneAtKill}`);
    const modelDir = join(cacheDir, readdirSync(cacheDir)[0]);
    for (const f of readdirSync(modelDir).filter((n) => n.startsWith('shard-'))) decodeShard(readFileSync(join(modelDir, f)));

    const decoded: string[] = [];
    const resumed = await extract({ dataset, modelPath: 'fake', cacheDir, batchSize: 8, deps: fakeDeps({ onDecode: (p) => decoded.push(p) }) });
    // Progress counts computed batches; up to MAX_PENDING_WRITES (2) more may still have been on their way to disk.
    assert.ok(resumed.cacheHits >= doneAtKill - 3 * 8 - 2, `hits ${resumed.cacheHits}, done at kill ${doneAtKill}`);
    const decodedSet = new Set(decoded);
    const cachedFailures = resumed.failures.filter((f) => !decodedSet.has(f.path)).length;
    assert.equal(decoded.length + resumed.cacheHits + cachedFailures, 300, 'only images without a finished batch are decoded again');
    const fresh = await extract({ dataset, modelPath: 'fake', cacheDir: tmp(), batchSize: 8, deps: fakeDeps() });
    assert.deepEqual(resumed.entries, fresh.entries);
    assert.deepEqual(resumed.features, fresh.features);
    assert.deepEqual(resumed.logits, fresh.logits);
    assert.deepEqual(resumed.failures, fresh.failures);
    assert.ok(!readdirSync(modelDir).some((n) => n.startsWith('tmp-')), 'dead temp files are cleaned');
  });

  test('spatial maps: computed for the requested features, then served from the store; in a child too', async () => {
    const dataset = await writeFakeDataset(tmp(), 6, [2]);
    const cacheDir = tmp();
    const decoded: string[] = [];
    const deps = fakeDeps({ onDecode: (p) => decoded.push(p) });
    const r = await spatialMaps({ modelPath: 'fake', entries: dataset.images, featureIndices: [1, 4], cacheDir, deps });
    assert.equal(r.h, 2);
    assert.equal(r.w, 2);
    assert.equal(r.maps.size, 5);
    assert.deepEqual(r.failures.map((f) => f.reason), ['corrupt']);
    const pooled = await extract({ dataset, modelPath: 'fake', cacheDir: tmp(), deps: fakeDeps() });
    const e0 = pooled.entries[0];
    const m = r.maps.get(e0.rel)!;
    // The fake spatial map of feature d is f_d * (1, 2, 3, 4), before float16 rounding of pooled features.
    // Row 0 of the pooled features is e0; pooled values went through float16 (relative error <= 2^-11).
    assert.ok(Math.abs(m[0][0] - pooled.features[1]) <= 1e-3 * Math.abs(pooled.features[1]) + 1e-6);
    assert.ok(Math.abs(m[1][3] / 4 - pooled.features[4]) <= 1e-3 * Math.abs(pooled.features[4]) + 1e-6);
    assert.ok(m[0][0] !== m[1][0], 'different features give different maps');
    decoded.length = 0;
    const again = await spatialMaps({ modelPath: 'fake', entries: dataset.images.filter((e) => e.rel !== r.failures[0].rel), featureIndices: [4], cacheDir, deps });
    assert.equal(decoded.length, 0);
    assert.deepEqual(again.maps.get(e0.rel)![0], m[1]);
    await assert.rejects(spatialMaps({ modelPath: 'fake', entries: dataset.images, featureIndices: [FAKE_DIM], cacheDir, deps }), /out of range/);
    const inChild = await spatialMapsInChild({ modelPath: 'fake', entries: dataset.images, featureIndices: [1, 4], cacheDir: tmp(), workerPath: self, env: childEnv(0) });
    assert.deepEqual(inChild.maps.get(e0.rel), m);
  });

  test('child: the real worker entry (sharp + ONNX Runtime) extracts and computes spatial maps', async (t) => {
    const dir = join(__dirname, '..', '.fixtures', `extract-child-real-${process.pid}`);
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    rmSync(dir, { recursive: true, force: true });
    for (const cls of ['a', 'b']) mkdirSync(join(dir, 'data', cls), { recursive: true });
    for (let i = 0; i < 6; i++) {
      await sharp(seededRgb(20, 16, i + 1), { raw: { width: 20, height: 16, channels: 3 } }).png().toFile(join(dir, 'data', i % 2 ? 'b' : 'a', `${i}.png`));
    }
    writeFileSync(join(dir, 'data', 'b', 'broken.png'), 'not a png');
    const modelPath = join(dir, 'tiny.onnx');
    writeFileSync(modelPath, convGemmModel({ size: 'S' }).bytes);
    writeFileSync(join(dir, 'tiny.card.json'), JSON.stringify({ preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] } }));
    const dataset = await discoverDataset(join(dir, 'data'));
    const workerPath = join(__dirname, '..', '..', 'src', 'engine', 'jobs', 'worker.ts');
    const cacheDir = join(dir, 'cache');
    const r = await extractInChild({ dataset, modelPath, cacheDir, threads: 1, workerPath });
    const local = await extract({ dataset, modelPath, cacheDir: join(dir, 'cache2'), threads: 1 });
    assert.equal(r.entries.length, 6);
    assert.deepEqual(r.features, local.features);
    assert.deepEqual(r.failures.map((f) => [f.rel, f.reason]), [['b/broken.png', 'corrupt']]);
    const maps = await spatialMapsInChild({ modelPath, entries: r.entries.slice(0, 1), featureIndices: [2], cacheDir, workerPath, threads: 1 });
    assert.equal(maps.maps.get(r.entries[0].rel)![0].length, maps.h * maps.w);
    await assert.rejects(extractInChild({ dataset, modelPath: join(dir, 'missing.onnx'), cacheDir, workerPath }), /missing\.onnx: does not exist/);
  });
}
