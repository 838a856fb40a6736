// The guards before fine-tuning: refuse when tuning cannot change the head, and name the classes whose every
// training image a per-class budget of k takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { checkTuning } from '../../src/engine/analysis/tuneGuard';
import type { Dataset, ImageEntry } from '../../src/engine/dataset/types';
import type { ExtractResult } from '../../src/engine/extract/types';
import type { ModelInfo } from '../../src/engine/model/types';
import { mulberry32 } from '../../src/core/random';
import { argmaxRows } from '../../src/core/linalg';

// (the planted-gap fixture of analysis-session.test.ts)
// Two classes, D = 3 features: feature 0 is the object of class a, feature 1 the object of class b, feature 2 a
// background cue present in most training images of class a and half of its validation images. The model's head
// leans on the cue, so class-a images without it are misread: a planted spurious gap.
function fixture(labels = ['a', 'b']) {
  const r = mulberry32(7);
  const rng = () => r.next();
  const entries: ImageEntry[] = [];
  const rows: number[][] = [];
  const add = (label: string, split: 'train' | 'val', i: number, cue: boolean) => {
    const obj = 0.6 + 0.4 * rng();
    const noise = () => 0.05 * rng();
    rows.push(label === 'a' ? [obj, noise(), cue ? 1 + rng() : noise()] : [noise(), obj, cue ? 1 + rng() : noise()]);
    entries.push({ path: `/d/${split}/${label}/${i}.png`, rel: `${split}/${label}/${i}.png`, label, split, size: 1, mtimeMs: 1 });
  };
  for (const label of ['a', 'b']) {
    for (let i = 0; i < 40; i++) add(label, 'train', i, label === 'a' && i < 36);
    for (let i = 0; i < 20; i++) add(label, 'val', i, label === 'a' && i < 10);
  }
  const D = 3;
  const features = Float32Array.from(rows.flat());
  // logits: a = 0.5*f0 + 1.0*f2, b = 1.0*f1 + 0.6  -> class a without its cue is often called b
  const headWeight = Float32Array.from([0.5, 0, 1.0, 0, 1.0, 0]);
  const headBias = Float32Array.from([0, 0.6]);
  const logits = new Float32Array(rows.length * 2);
  rows.forEach((r, i) => {
    logits[2 * i] = 0.5 * r[0] + r[2];
    logits[2 * i + 1] = r[1] + 0.6;
  });
  const model: ModelInfo = {
    path: '/m/model.onnx', sha256: 'ab'.repeat(32), inputName: 'input', pooledOutput: 'p', logitsOutput: 'l', spatialOutput: null,
    dim: D, classes: 2, spatialShape: null, headWeight, headBias,
    card: { preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] } }, labels,
  };
  const dataset: Dataset = { root: '/d', layout: 'imagefolder-splits', validationSource: 'val', classes: ['a', 'b'], images: entries, skipped: [] };
  const predicted = argmaxRows({ rows: entries.length, cols: 2, data: logits });
  const extraction: ExtractResult = { model, entries, features, logits, predicted, failures: [], skipped: [], cacheHits: 0, computed: entries.length, seconds: 0 };
  return { dataset, extraction };
}

test('no spurious label: refused, there is nothing to reduce', () => {
  const { dataset, extraction } = fixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0 });
  const c = checkTuning(s, 'low', { k: 10, threshold: 0.05 });
  assert.match(c.refusal ?? '', /No class has a feature labeled spurious/);
});

test('a gap already under the threshold is refused with both numbers; above it tuning may run', async () => {
  const { dataset, extraction } = fixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, gapK: 5 });
  await s.setLabel('a', 2, { label: 'spurious', subtype: 'background' });
  assert.ok(s.gaps.mean > 0.05, `the fixture plants a gap (${s.gaps.mean})`);
  const pts = (s.gaps.mean * 100).toFixed(1);
  const over = checkTuning(s, 'low', { k: 10, threshold: s.gaps.mean + 0.01 });
  assert.ok(over.refusal?.includes(`already ${pts} points`), over.refusal ?? '');
  assert.match(over.refusal ?? '', /under the .*-point threshold.*head would stay unchanged/);
  const ok = checkTuning(s, 'low', { k: 10, threshold: 0.05 });
  assert.equal(ok.refusal, null);
  assert.deepEqual(ok.warnings, []);
});

test('k at least a ranked class\'s training size: a warning naming the class and its size', async () => {
  const { dataset, extraction } = fixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, gapK: 5 });
  await s.setLabel('a', 2, { label: 'spurious', subtype: 'background' });
  const c = checkTuning(s, 'low', { k: 40, threshold: 0.05 });
  assert.equal(c.refusal, null);
  // only class a has a ranking (b has no spurious feature, so tuning takes none of its images)
  assert.deepEqual(c.wholeClasses, [{ name: 'a', trainImages: 40 }]);
  assert.match(c.warnings[0], /tuneK = 40.*1 of 1 ranked class\(es\) \(a: 40\).*low-spuriosity tuning trains on every training image of that class/);
  assert.deepEqual(checkTuning(s, 'low', { k: 39, threshold: 0.05 }).wholeClasses, []);
});
