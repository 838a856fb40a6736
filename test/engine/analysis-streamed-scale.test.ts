// The out-of-core session equals the in-memory one on the demo (real ONNX extraction, cold then warm cache) and on a
// 20,000-image planted dataset with ResNet-50's 2,048 features.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { StreamedSession } from '../../src/engine/analysis/streamed/streamedSession';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { gapReport, rankReport } from '../../src/engine/analysis/report';
import { openDataset } from '../../src/engine/analysis/openAnalysis';
import { extract } from '../../src/engine/extract/pipeline';
import { tuneHead } from '../../src/engine/analysis/tune';
import { readTuneProblem, tuneAnalysis, tuneStreamed } from '../../src/engine/analysis/streamed/tuneStreamed';
import { inProcessRunner } from '../../src/engine/jobs/inProcess';
import { isHalfRows } from '../../src/engine/train/tuneRows';
import { selectTuningSet } from '../../src/core/tuningSet';
import type { Dataset } from '../../src/engine/dataset/types';
import type { ExtractDeps } from '../../src/engine/extract/types';
import { className, cueOf, type PlantedSpec } from '../../bench/lib/plantedFeatures';
import { demoFixture } from '../helpers/cli';
import { plantedCache } from '../helpers/plantedCache';

const demo = demoFixture('streamed', { trainPerClass: 30, valPerClass: 12 });

/** Both sessions on the same cache, each with its own copy of `labels`; returns their rank and gap reports. */
async function compare(dataset: Dataset, modelPath: string, cacheDir: string, labels: (s: AnalysisSession) => Array<{ cls: string; feature: number }>, deps?: ExtractDeps, methods: Array<'low-spuriosity' | 'random'> = ['low-spuriosity', 'random']) {
  const mem = AnalysisSession.create(dataset, await extract({ dataset, modelPath, cacheDir, deps, threads: 1 }), new MemoryLabelStore(), { bootstrap: 100 });
  const str = await StreamedSession.open({ dataset, modelPath, cacheDir, deps, threads: 1, openLabels: async () => new MemoryLabelStore(), options: { bootstrap: 100 } });
  const pairs = labels(mem);
  assert.ok(pairs.length > 0);
  for (const s of [mem, str]) await s.setLabels(pairs.map((p) => ({ ...p, verdict: { label: 'spurious' as const } })));
  assert.deepEqual(str.spuriosity.rankings, mem.spuriosity.rankings);
  assert.deepEqual(rankReport(str, 10), rankReport(mem, 10));
  assert.deepEqual(gapReport(str), gapReport(mem));
  // fine-tuning out of core (only the tuning and validation rows read from the cache): the same head and history
  for (const method of methods) {
    const opts = { k: 10, maxIter: 2, trainer: 'js' as const };
    const [a, b] = [await tuneHead(mem, method, opts), await tuneStreamed(str, method, opts)];
    assert.equal(b.tuningImages, a.tuningImages, `${method}: tuning set size`);
    assert.deepEqual(b.result.history, a.result.history, `${method}: tuning history`);
    assert.deepEqual(b.head, a.head, `${method}: tuned head`);
    assert.ok(a.result.history.length >= 2, `${method}: the run trained (${a.result.history.length} records)`);
  }
  // through ONNX Runtime (as at ImageNet scale): the streamed run's rows stay the cache's float16 bits, decoded per
  // chunk, and give the in-memory run's float32 rows' head and history exactly
  const ort = { k: 10, maxIter: 2, trainer: 'ort' as const, ortRunner: inProcessRunner('tune') };
  const [a, b] = [await tuneAnalysis(mem, 'low-spuriosity', ort), await tuneAnalysis(str, 'low-spuriosity', ort)];
  assert.deepEqual(b.result.history, a.result.history, 'ort: tuning history');
  assert.deepEqual(b.head, a.head, 'ort: tuned head');
  assert.ok(a.result.history.length >= 2, `ort: the run trained (${a.result.history.length} records)`);
  const tuning = selectTuningSet(str.spuriosity.rankings, str.index, { method: 'low-spuriosity', k: 10, maxShare: 0.25, seed: 0, predictions: str.predictions });
  const val = Int32Array.from(str.index.val.flatMap((v) => Array.from(v)));
  const problem = await readTuneProblem(str, tuning, val, str.spuriosity.rankings);
  assert.ok(isHalfRows(problem.rows), 'the streamed tuning rows are kept as float16');
  assert.equal(problem.rows.rows, tuning.length + val.length);
  return { mem, str };
}

test('demo: streamed rank and gap reports equal the in-memory ones, cold cache (streamed computes) and warm', async () => {
  const model = resolve('models/demo/spurious-mnist.onnx');
  for (const cold of [true, false]) {
    const cacheDir = mkdtempSync(join(tmpdir(), 'spl-streamed-demo-'));
    try {
      const dataset = await openDataset(demo.data, cacheDir);
      if (cold) {
        // the streamed open extracts first (filling the cache), then the in-memory one reads the cache it wrote
        const str = await StreamedSession.open({ dataset, modelPath: model, cacheDir, threads: 1, openLabels: async () => new MemoryLabelStore() });
        assert.equal(str.extraction.computed, dataset.images.length);
      }
      const { mem } = await compare(dataset, model, cacheDir, (s) => s.datasetClassIds.map((c) => ({ cls: s.classNames[c], feature: s.importance[c].top[0] })));
      assert.equal(mem.headSource, 'model');
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }
});

test('20,000 planted images, 2,048 features, 100 classes: streamed equals in-memory, and the planted cues give positive gaps', async () => {
  const spec: PlantedSpec = { classes: 100, dim: 2048, trainOf: () => 150, valPerClass: 50, seed: 11 };
  const cacheDir = mkdtempSync(join(tmpdir(), 'spl-streamed-20k-'));
  try {
    const { dataset, deps } = await plantedCache(cacheDir, spec, 2000);
    assert.equal(dataset.images.length, 20_000);
    const cues = Array.from({ length: spec.classes }, (_, c) => ({ cls: className(c), feature: cueOf(spec, c) })).filter((p) => p.feature >= 0);
    const { mem } = await compare(dataset, '/planted/model.onnx', cacheDir, () => cues, deps, ['low-spuriosity']);
    // the planted structure is visible: each cue is a top feature of its class, and labelled cues give positive gaps
    for (const p of cues) assert.ok(mem.importance[mem.classId(p.cls)!].top.includes(p.feature), `${p.cls}: cue ${p.feature} in its top features`);
    assert.equal(mem.gaps.classes.length, cues.length);
    assert.ok(mem.gaps.mean > 0.2, `mean gap ${mem.gaps.mean}`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
