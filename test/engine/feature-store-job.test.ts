// The feature import as the extension runs it: the 'features-import' job in the bundled worker (dist/jobWorker.js,
// with parquet-wasm's wasm copied beside it by the build), with progress, into the cache the analysis then reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { childRunner } from '../../src/engine/jobs/runInChild';
import type { ImportProgress } from '../../src/engine/store/importStore';
import { cliRunner, demoFixture } from '../helpers/cli';

const { root, data } = demoFixture('features-job');
const cli = cliRunner('--threads', '1');
const WORKER = resolve('dist/jobWorker.js');

test('features-import job in the bundled worker: every row imported with progress; the cache then serves rank', async () => {
  assert.ok(existsSync(WORKER) && existsSync(resolve('dist/parquet_wasm_bg.wasm')), 'npm run build makes dist/jobWorker.js and dist/parquet_wasm_bg.wasm');
  const store = join(root, 'demo.parquet');
  assert.equal(cli('features', 'export', data, '--out', store, '--no-logits').code, 0);
  const cacheDir = join(root, 'ext-cache');
  const progress: ImportProgress[] = [];
  const report = await childRunner('features-import', { workerPath: WORKER })(
    { files: [store], root: data, modelPath: resolve('models/demo/spurious-mnist.onnx'), cacheDir, threads: 1 },
    { onProgress: (p) => progress.push(p) },
  );
  assert.equal(report.imported, 300);
  assert.equal(report.problemCount, 0);
  assert.equal(report.files[0].logitsFromFile, 0, 'logits computed by the head in the worker');
  assert.ok(progress.length > 0 && progress.at(-1)!.rowsRead === 300, JSON.stringify(progress.at(-1)));
  const before = JSON.parse(cli('rank', data, '--json', '--bootstrap', '0').stdout);
  const after = JSON.parse(cli('rank', data, '--json', '--bootstrap', '0', '--cache', cacheDir).stdout);
  // the head's Gemm in ONNX Runtime gives the model's predictions from the float16 features: same top features and rankings
  assert.deepEqual(after.classes.map((c: { topFeatures: Array<{ feature: number }> }) => c.topFeatures.map((f) => f.feature)),
    before.classes.map((c: { topFeatures: Array<{ feature: number }> }) => c.topFeatures.map((f) => f.feature)));
});
