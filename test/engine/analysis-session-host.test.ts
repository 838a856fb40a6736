// The extension host's side of the analysis, as the controller runs it: the session opens in the job host's child
// from the dataset root (discovery, extraction and analysis there), and everything the panel asks for (overview,
// filtered gallery pages with confidences, feature cards, image details, a label, the review queue, collisions, the
// tuning check and a tuning run) comes back page-sized: no answer carries a per-image x feature matrix, and this
// process does not grow by the features' size. A fitted head is analysed in memory in the child, not here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openSessionInChild } from '../../src/engine/analysis/streamed/sessionClient';
import type { SessionOverview, SessionQuery } from '../../src/engine/analysis/streamed/sessionJob';
import { className, cueOf, type PlantedSpec } from '../../bench/lib/plantedFeatures';
import { scaleWorkload } from '../../bench/lib/scaleDataset';

const WORKER = resolve('src/engine/jobs/worker.ts');
const spec: PlantedSpec = { classes: 50, dim: 2048, trainOf: () => 100, valPerClass: 20, seed: 5 };

/** Bytes of every typed array inside an answer. */
function typedBytes(v: unknown, seen = new Set<unknown>()): number {
  if (v === null || typeof v !== 'object' || seen.has(v)) return 0;
  seen.add(v);
  if (ArrayBuffer.isView(v)) return v.byteLength;
  return Object.values(v as Record<string, unknown>).reduce<number>((n, x) => n + typedBytes(x, seen), 0);
}

test('the host asks the session child for every panel answer and holds no features', async () => {
  const root = mkdtempSync(join(tmpdir(), 'spl-session-host-'));
  try {
    const w = await scaleWorkload(root, spec);
    const n = w.images;
    const featureBytes = n * spec.dim * 4;
    const before = process.memoryUsage().rss;
    let peak = before;
    const sample = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
    const child = await openSessionInChild(WORKER, { root: w.data, modelPath: w.model, cacheDir: w.cache, annotations: { root: w.data, path: join(root, 'annotations.json') }, options: { bootstrap: 0 } });
    try {
      const ov = await child.ask<SessionOverview>({ kind: 'overview' });
      assert.equal(ov.images, n);
      assert.equal(ov.outOfCore, true);
      const cls = 0;
      const cue = cueOf(spec, cls);
      const asked: SessionQuery[] = [
        { kind: 'setLabel', cls: className(cls), feature: cue, verdict: { label: 'spurious' } },
        { kind: 'classPage', request: { cls, split: 'val', order: 'desc', offset: 0, count: 30, filter: { correct: true } }, overlay: { mode: 'spurious' } },
        { kind: 'classPage', request: { cls, split: 'train', order: 'asc', offset: 10, count: 60 } },
        { kind: 'featureCards', cls },
        { kind: 'reviewQueue', labelErrors: [] },
        { kind: 'collisions' },
        { kind: 'tuneCheck', method: 'low-spuriosity', k: 10, threshold: 0 },
        { kind: 'tune', method: 'low-spuriosity', k: 10, threshold: 0, maxIter: 1, trainer: 'js' },
        { kind: 'gapReport' },
      ];
      let epochs = 0;
      for (const q of asked) {
        const a = await child.ask(q, { onEvent: () => { epochs++; } });
        assert.ok(typedBytes(a) < featureBytes / 50, `${q.kind}: ${typedBytes(a)} bytes of arrays in the answer`);
        if (q.kind === 'classPage' && q.request.filter) {
          const page = a as { rows: Array<{ correct: boolean; confidence: number | null; rank: number; entry: { rel: string } }>; overlay: { features: number[] } };
          assert.ok(page.rows.length > 0 && page.rows.every((r) => r.correct && r.confidence !== null && r.confidence > 0), 'filtered rows, each with its confidence');
          assert.deepEqual(page.overlay.features, [cue]);
          const d = await child.ask<{ rank: { position: number } }>({ kind: 'imageDetail', id: page.rows[0].entry.rel });
          assert.equal(d.rank.position, page.rows[0].rank);
        }
      }
      assert.ok(epochs >= 1, 'tuning epochs reach the host as events');
      // the HTML report is written in the child too, its thumbnails made there into the host's thumbnail folder
      const html = await child.ask<string>({ kind: 'htmlReport', thumbs: { dir: join(root, 'thumbs'), decode: { pixelLimit: 100_000_000 } } });
      assert.match(html, /<h1>Spuriosity report: /);
      assert.match(html, /<img src="data:image\/webp;base64,/, 'thumbnails embedded');
      assert.ok(html.includes(className(cls)), 'the labelled class is in the report');
      // feature sensitivity: the top-activating images from the child's class columns, the model work in the child
      const cards = await child.ask<Array<{ feature: number }>>({ kind: 'featureCards', cls });
      const card = cards[0];
      const notTop = Array.from({ length: spec.dim }, (_, f) => f).find((f) => !cards.some((c) => c.feature === f))!;
      let progress = 0;
      const sens = await child.ask<{ features: Array<{ feature: number; imageCount: number; cleanAccuracy: number }> }>(
        { kind: 'sensitivity', className: className(cls), feature: card.feature, options: { images: 8 } }, { onEvent: () => { progress++; } });
      assert.equal(sens.features[0].feature, card.feature);
      assert.equal(sens.features[0].imageCount, 8);
      assert.ok(progress >= 1, 'sensitivity progress reaches the host as events');
      assert.ok(typedBytes(sens) < featureBytes / 50);
      await assert.rejects(child.ask({ kind: 'sensitivity', className: className(cls), feature: notTop }), /not a top feature/);
      clearInterval(sample);
      const growth = peak - before;
      assert.ok(growth < featureBytes / 2, `host RSS grew ${(growth / 2 ** 20).toFixed(0)} MB; the features are ${(featureBytes / 2 ** 20).toFixed(0)} MB`);
    } finally {
      clearInterval(sample);
      await child.close();
    }
    // a fitted head needs every training row: the child analyses in memory (there, not here) and answers the same queries
    const fit = await openSessionInChild(WORKER, { root: w.data, modelPath: w.model, cacheDir: w.cache, annotations: { root: w.data, path: join(root, 'annotations.json') }, options: { bootstrap: 0, headMode: 'fit' } });
    try {
      const ov = await fit.ask<SessionOverview>({ kind: 'overview' });
      assert.deepEqual([ov.outOfCore, ov.headSource], [false, 'fit']);
      const page = await fit.ask<{ rows: Array<{ confidence: number | null }> }>({ kind: 'classPage', request: { cls: 0, split: 'val', order: 'asc', offset: 0, count: 5 } });
      assert.equal(page.rows.length, 5);
    } finally {
      await fit.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a folder with no images is refused by the session child with the engine\'s own user error', async () => {
  const root = mkdtempSync(join(tmpdir(), 'spl-session-empty-'));
  try {
    const w = await scaleWorkload(join(root, 'w'), { ...spec, classes: 2, dim: 8, trainOf: () => 2, valPerClass: 1 });
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await assert.rejects(openSessionInChild(WORKER, { root: empty, modelPath: w.model, cacheDir: join(root, 'cache'), annotations: { root: empty, path: join(root, 'annotations.json') }, options: { bootstrap: 0 } }), (e: Error) => {
      // the name survives the process boundary (the extension shows it as a user error, no stack) and the message is unprefixed
      assert.equal(e.name, 'DatasetNotFoundError', e.stack);
      assert.match(e.message, /^No usable images in /);
      return true;
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
