// Excluding reviewed images, hand-checked on a session small enough to work out on paper.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { gapReport, rankReport } from '../../src/engine/analysis/report';
import { selectTuningSet } from '../../src/core/tuningSet';
import type { Dataset, ImageEntry } from '../../src/engine/dataset/types';
import type { ExtractResult } from '../../src/engine/extract/types';
import type { ModelInfo } from '../../src/engine/model/types';
import { argmaxRows } from '../../src/core/linalg';

// Two classes, D = 2 (feature 0 the object, feature 1 a cue). Class a has 6 validation images v0..v5 whose cue is
// 0, 1, ..., 5 (so spuriosity orders them v0 < v1 < ... < v5) and 4 training images t0..t3 with cue 0..3. Only v0 is
// misclassified (its logits favour b). Class b: 4 train and 4 val images, no cue, all correct.
// gap k = 2: high end {v4, v5} is 2/2 right, low end {v0, v1} 1/2 right -> gap +50 points.
// Excluding v0 leaves n = 5, k = min(2, floor(5 / 2)) = 2: low end {v1, v2} 2/2 right -> gap 0.
function fixture() {
  const entries: ImageEntry[] = [];
  const rows: number[][] = [];
  const logits: number[] = [];
  const add = (label: 'a' | 'b', split: 'train' | 'val', name: string, cue: number, wrong = false) => {
    rows.push(label === 'a' ? [1, cue] : [0, 0]);
    logits.push(...(label === 'a' ? (wrong ? [0, 1] : [1, 0]) : [0, 1]));
    entries.push({ path: `/d/${split}/${label}/${name}.png`, rel: `${split}/${label}/${name}.png`, label, split, size: 1, mtimeMs: 1 });
  };
  for (let i = 0; i < 4; i++) add('a', 'train', `t${i}`, i);
  for (let i = 0; i < 6; i++) add('a', 'val', `v${i}`, i, i === 0);
  for (let i = 0; i < 4; i++) add('b', 'train', `t${i}`, 0);
  for (let i = 0; i < 4; i++) add('b', 'val', `v${i}`, 0);
  const model: ModelInfo = {
    path: '/m/model.onnx', sha256: 'cd'.repeat(32), inputName: 'input', pooledOutput: 'p', logitsOutput: 'l', spatialOutput: null,
    dim: 2, classes: 2, spatialShape: null, headWeight: Float32Array.from([1, 1, 0, 0]), headBias: Float32Array.from([0, 0]),
    card: { preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] } }, labels: ['a', 'b'],
  };
  const dataset: Dataset = { root: '/d', layout: 'imagefolder-splits', validationSource: 'val', classes: ['a', 'b'], images: entries, skipped: [] };
  const l = Float32Array.from(logits);
  const extraction: ExtractResult = {
    model, entries, features: Float32Array.from(rows.flat()), logits: l, predicted: argmaxRows({ rows: entries.length, cols: 2, data: l }),
    failures: [], skipped: [], cacheHits: 0, computed: entries.length, seconds: 0,
  };
  return { dataset, extraction };
}

const valOrder = (s: AnalysisSession) => Array.from(s.spuriosity.rankings[0]!.val.order, (i) => s.entries[i].rel.split('/').pop());

async function labelled(excluded?: string[]): Promise<AnalysisSession> {
  const { dataset, extraction } = fixture();
  const store = new MemoryLabelStore();
  await store.set('a', 1, { label: 'spurious' });
  return AnalysisSession.create(dataset, extraction, store, { bootstrap: 0, gapK: 2, topK: 2, excluded });
}

test('exclusion: the hand-computed gap moves from +50 to 0 points and the image leaves the ranking', async () => {
  const s = await labelled();
  assert.deepEqual(valOrder(s), ['v0.png', 'v1.png', 'v2.png', 'v3.png', 'v4.png', 'v5.png']);
  const g = gapReport(s);
  assert.equal(g.classes[0].gap, 50);
  assert.equal(g.classes[0].accLow, 50);
  assert.equal(g.dataset.images.excluded, 0);
  assert.equal(g.valAccuracy, 90, '9 of 10 validation images right');

  assert.equal(s.setExcluded(['val/a/v0.png', 'no/such/image.png']), 1, 'unknown ids are ignored');
  assert.deepEqual(valOrder(s), ['v1.png', 'v2.png', 'v3.png', 'v4.png', 'v5.png']);
  const after = gapReport(s);
  assert.equal(after.classes[0].gap, 0);
  assert.equal(after.classes[0].valImages, 5);
  assert.equal(after.classes[0].k, 2);
  assert.equal(after.valAccuracy, 100, 'the excluded image leaves the validation accuracy too');
  assert.deepEqual(after.dataset.images, { train: 8, val: 9, excluded: 1 });
  assert.equal(rankReport(s).dataset.images.excluded, 1);

  // undo: the same numbers as before, and opening with the option equals excluding afterwards
  s.setExcluded([]);
  assert.equal(gapReport(s).classes[0].gap, 50);
  const opened = await labelled(['val/a/v0.png']);
  assert.deepEqual(valOrder(opened), ['v1.png', 'v2.png', 'v3.png', 'v4.png', 'v5.png']);
  assert.equal(gapReport(opened).classes[0].gap, 0);
});

test('exclusion: an excluded training image leaves the low-spuriosity tuning set; top features stay', async () => {
  const s = await labelled();
  const top = s.importance.map((c) => c.top.slice());
  const lowest = (x: AnalysisSession) => Array.from(selectTuningSet(x.spuriosity.rankings, x.index, { method: 'low-spuriosity', k: 2 }), (i) => x.entries[i].rel);
  assert.deepEqual(lowest(s), ['train/a/t0.png', 'train/a/t1.png']);
  s.setExcluded(['train/a/t0.png']);
  assert.deepEqual(lowest(s), ['train/a/t1.png', 'train/a/t2.png']);
  assert.deepEqual(s.importance.map((c) => c.top.slice()), top, 'labels keep meaning the same features');
});
