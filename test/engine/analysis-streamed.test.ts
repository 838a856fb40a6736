// The out-of-core session against the in-memory one on the same cache: rankings, scores, gaps, top features,
// per-feature gaps and the rank/gap reports must be identical (features are float16 in the cache either way).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { StreamedSession } from '../../src/engine/analysis/streamed/streamedSession';
import { MemoryLabelStore, type LabelStore } from '../../src/engine/analysis/labels';
import { gapReport, rankReport } from '../../src/engine/analysis/report';
import { extract } from '../../src/engine/extract/pipeline';
import { classPage } from '../../src/engine/analysis/queries/classPage';
import { featureCards, imageDetail } from '../../src/engine/analysis/queries/imageDetail';
import type { AnalysisView } from '../../src/engine/analysis/queries/sessionView';
import { className, cueOf, type PlantedSpec } from '../../bench/lib/plantedFeatures';
import { plantedCache } from '../helpers/plantedCache';

async function both(spec: PlantedSpec, labels: () => LabelStore, options = { bootstrap: 200, gapK: 5 }) {
  const dir = mkdtempSync(join(tmpdir(), 'spl-streamed-'));
  const { dataset, deps } = await plantedCache(dir, spec, 300);
  const ex = await extract({ dataset, modelPath: '/planted/model.onnx', cacheDir: dir, deps });
  const mem = AnalysisSession.create(dataset, ex, labels(), options);
  const str = await StreamedSession.open({ dataset, modelPath: '/planted/model.onnx', cacheDir: dir, deps, openLabels: async () => labels(), options });
  return { mem, str, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

function assertSame(mem: AnalysisView, str: AnalysisView, what: string): void {
  assert.deepEqual(Array.from(str.predictions), Array.from(mem.predictions), `${what}: predictions`);
  assert.deepEqual(str.importance.map((i) => i.top), mem.importance.map((i) => i.top), `${what}: top features`);
  assert.deepEqual(str.importance.map((i) => i.topImportance), mem.importance.map((i) => i.topImportance), `${what}: importance`);
  assert.deepEqual([...str.featureGapsByClass.entries()], [...mem.featureGapsByClass.entries()], `${what}: per-feature gaps`);
  assert.deepEqual(str.spuriosity.rankings, mem.spuriosity.rankings, `${what}: rankings`);
  assert.deepEqual(Array.from(str.spuriosity.scores), Array.from(mem.spuriosity.scores), `${what}: scores`);
  assert.deepEqual(str.gaps, mem.gaps, `${what}: gaps`);
  assert.deepEqual(rankReport(str), rankReport(mem), `${what}: rank report`);
  assert.deepEqual(gapReport(str), gapReport(mem), `${what}: gap report`);
}

const small: PlantedSpec = { classes: 12, dim: 64, trainOf: (c) => 40 + (c % 3) * 7, valPerClass: 20, seed: 3 };

test('streamed session equals the in-memory one: before labels, after labels (top and non-top features), after exclusions', async () => {
  const memLabels = new MemoryLabelStore();
  const strLabels = new MemoryLabelStore();
  let call = 0;
  const { mem, str, cleanup } = await both(small, () => (call++ === 0 ? memLabels : strLabels));
  try {
    assertSame(mem, str, 'unlabelled');
    // label every cue class's cue spurious, one core feature core, and one feature outside its top features spurious
    for (let c = 0; c < small.classes; c++) {
      const cue = cueOf(small, c);
      if (cue < 0) continue;
      for (const s of [mem, str]) {
        await s.setLabel(className(c), cue, { label: 'spurious', subtype: 'background' });
        await s.setLabel(className(c), c, { label: 'core' });
      }
    }
    assert.ok(mem.gaps.classes.length >= 2, 'cue classes are ranked');
    assert.ok(mem.gaps.mean > 0, `planted cues give a positive mean gap, got ${mem.gaps.mean}`);
    assertSame(mem, str, 'labelled');
    const outside = 63;
    assert.ok(!mem.importance[0].top.includes(outside));
    for (const s of [mem, str]) await s.setLabel(className(0), outside, { label: 'spurious' });
    assertSame(mem, str, 'a non-top feature labelled');
    const excluded = [...mem.entries.filter((e, i) => i % 7 === 0).map((e) => e.rel)];
    mem.setExcluded(excluded);
    await str.setExcluded(excluded);
    assertSame(mem, str, 'with exclusions');
    // the panel's queries give the same pages, cards and details
    for (const cls of [0, 4]) {
      for (const order of ['asc', 'desc'] as const) {
        assert.deepEqual(classPage(str, { cls, split: 'val', order, offset: 3, count: 9 }), classPage(mem, { cls, split: 'val', order, offset: 3, count: 9 }));
      }
      assert.deepEqual(featureCards(str, cls), featureCards(mem, cls));
    }
    const row = mem.index.val[4][2];
    await str.loadRow(row);
    assert.deepEqual(imageDetail(str, row), imageDetail(mem, row));
  } finally {
    cleanup();
  }
});

test('streamed session refuses a fitted head with a message saying why', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spl-streamed-'));
  try {
    const { dataset, deps } = await plantedCache(dir, small, 300);
    await assert.rejects(
      StreamedSession.open({ dataset, modelPath: '/planted/model.onnx', cacheDir: dir, deps, openLabels: async () => new MemoryLabelStore(), options: { headMode: 'fit' } }),
      /model's own head.*fitting a head needs every training row/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a second open reads the analysis index, no shard: the same session; a changed image or grouping makes a new key', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spl-streamed-index-'));
  try {
    const { dataset, deps } = await plantedCache(dir, small, 300);
    const labels = () => new MemoryLabelStore(Array.from({ length: small.classes }, (_, c) => ({ cls: className(c), feature: c, verdict: { label: 'spurious' as const } })));
    const open = (ds = dataset, options: { bootstrap: number; gapK: number; grouping?: 'predicted' | 'correct' } = { bootstrap: 50, gapK: 5 }) =>
      StreamedSession.open({ dataset: ds, modelPath: '/planted/model.onnx', cacheDir: dir, deps, openLabels: async () => labels(), options });
    const first = await open();
    const shardDir = join(dir, 'c0'.repeat(32));
    const { readdirSync, readFileSync, writeFileSync } = await import('node:fs');
    const idx = readdirSync(shardDir).filter((n) => n.endsWith('.idx'));
    assert.equal(idx.length, 1, 'the first open keeps one analysis index');
    // scramble every shard's body (headers intact, so the cache still lists every image): an open that read a shard
    // would fail its checksum; the indexed open reads none of them for what the index holds
    const shards = readdirSync(shardDir).filter((n) => n.startsWith('shard-'));
    const saved = shards.map((n) => readFileSync(join(shardDir, n)));
    shards.forEach((n, i) => { const b = Buffer.from(saved[i]); b.fill(7, b.length - 64); writeFileSync(join(shardDir, n), b); });
    const again = await open();
    assertSame(first, again, 'from the index');
    assert.ok(first.timings.some(([p]) => p === 'feature gaps'), 'the first open computes the per-feature gaps');
    assert.ok(!again.timings.some(([p]) => p === 'feature gaps'), 'the indexed open takes them from the index');
    await assert.rejects(open(dataset, { bootstrap: 50, gapK: 5, grouping: 'correct' }), 'an open that reads the shards fails on the scrambled bodies');
    shards.forEach((n, i) => writeFileSync(join(shardDir, n), saved[i]));
    // another grouping, or one image with another mtime: not the same analysis, so the index is not used
    const other = await open(dataset, { bootstrap: 50, gapK: 5, grouping: 'correct' });
    assert.notDeepEqual(other.importance.map((i) => i.topImportance), first.importance.map((i) => i.topImportance));
    const changed = { ...dataset, images: dataset.images.map((e, i) => (i === 0 ? { ...e, mtimeMs: 2 } : e)) };
    await assert.rejects(open(changed), /should not be decoded|every image should be a cache hit/, 'a changed image is extracted again, not taken from the index');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('feature sensitivity picks the same images and reports the same from the streamed session as from the in-memory one', async () => {
  const { measureSensitivity } = await import('../../src/engine/analysis/sensitivity/analyze');
  const { CORRUPTIONS } = await import('../../src/engine/sensitivity/types');
  const cls = Array.from({ length: small.classes }, (_, c) => c).find((c) => cueOf(small, c) >= 0)!;
  const cue = cueOf(small, cls);
  const labels = () => new MemoryLabelStore([{ cls: className(cls), feature: cue, verdict: { label: 'spurious' } }]);
  const { mem, str, cleanup } = await both(small, labels);
  try {
    const asked: string[][] = [];
    // a stand-in for the model work: features from the image's name, so both sessions get the same answers for the same images
    const runner = async (req: { entries: Array<{ rel: string }>; items: Array<{ images: number[] }> }) => {
      asked.push(req.entries.map((e) => e.rel));
      const D = small.dim;
      const rows = (n: number, salt: number) => Float32Array.from({ length: n * D }, (_, i) => ((i * 7 + salt * 13) % 11) / 11);
      return {
        dim: D, inputSize: 28, blurSigmaPx: 1, patchPx: 4, failures: [], clean: rows(req.entries.length, 1), failed: new Uint8Array(req.entries.length),
        items: req.items.map((it) => ({ maskMeans: new Float32Array(it.images.length).fill(0.25), corrupted: CORRUPTIONS.map((_, c) => rows(it.images.length, c + 2)) })),
      };
    };
    const pairs = [{ cls, feature: cue }, { cls, feature: str.importance[cls].top.find((f) => f !== cue)! }];
    const a = await measureSensitivity(mem, pairs, runner as never, { images: 9, split: 'all' });
    const b = await measureSensitivity(str, pairs, runner as never, { images: 9, split: 'all' });
    assert.deepEqual(asked[1], asked[0], 'the same top-activating images');
    assert.equal(asked[0].length > 0, true);
    const { seconds: _a, ...ra } = a as typeof a & { seconds?: number };
    const { seconds: _b, ...rb } = b as typeof b & { seconds?: number };
    assert.deepEqual(rb.features, ra.features);
  } finally {
    cleanup();
  }
});
