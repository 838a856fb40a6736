// `npm run bench:host`: what the extension host does between "Rank Dataset" and the first gallery page, measured
// outside VS Code on the same code path (discovery, extraction in the child process, analysis, first page of
// thumbnails): time to the first page (cold and warm cache), the longest event-loop stall on the host's thread
// while that runs (target < 50 ms), and thumbnails per second. Prints figures; asserts nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { AnalysisSession } from '../src/engine/analysis/session';
import { MemoryLabelStore } from '../src/engine/analysis/labels';
import { discoverDataset } from '../src/engine/dataset/discover';
import { childRunner } from '../src/engine/jobs/runInChild';
import { ThumbnailCache } from '../src/engine/render/thumbnails';
import { generateDemoDataset } from '../scripts/demo/generate-dataset.mjs';

const DATA = resolve(process.argv[2] ?? 'demo-data/spurious-mnist');
const MODEL = resolve(process.argv[3] ?? 'models/demo/spurious-mnist.onnx');
const WORKER = resolve('dist/jobWorker.js');
const PAGE = 60; // tiles the gallery asks for first

async function firstPage(cacheDir: string): Promise<{ ms: number; stallMs: number; extractStallMs: number; extractMs: number; analyseMs: number; thumbsMs: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  const t0 = performance.now();
  const dataset = await discoverDataset(DATA);
  const he = monitorEventLoopDelay({ resolution: 5 });
  he.enable();
  const extraction = await childRunner('extract', { workerPath: WORKER })({ dataset, modelPath: MODEL, cacheDir });
  he.disable();
  const t1 = performance.now();
  const s = await AnalysisSession.open(dataset, extraction, new MemoryLabelStore());
  const t2 = performance.now();
  const cls = s.datasetClassIds[0];
  const thumbs = new ThumbnailCache(join(cacheDir, 'thumbs'), { pixelLimit: 100_000_000 });
  await Promise.all(Array.from(s.index.val[cls].subarray(0, PAGE), (i) => thumbs.ensure(s.entries[i])));
  const t3 = performance.now();
  h.disable();
  return { ms: t3 - t0, stallMs: h.max / 1e6, extractStallMs: he.max / 1e6, extractMs: t1 - t0, analyseMs: t2 - t1, thumbsMs: t3 - t2 };
}

async function main(): Promise<void> {
  if (DATA.endsWith('spurious-mnist')) await generateDemoDataset({ out: DATA });
  const cacheDir = mkdtempSync(join(tmpdir(), 'spuriosity-host-bench-'));
  try {
    const cold = await firstPage(cacheDir);
    const warm = await firstPage(cacheDir);
    const dataset = await discoverDataset(DATA);
    const sample = dataset.images.slice(0, 400);
    const thumbs = new ThumbnailCache(join(cacheDir, 'thumbs-rate'), { pixelLimit: 100_000_000 });
    const t0 = performance.now();
    await Promise.all(sample.map((e) => thumbs.ensure(e)));
    const rate = sample.length / ((performance.now() - t0) / 1000);
    const f = (x: number) => x.toFixed(0).padStart(7);
    console.log(`dataset ${DATA} (${dataset.images.length} images), ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}`);
    console.log('                        total  extract  analyse  thumbs  longest host stall: while extracting / whole flow');
    console.log(`first page, cold cache ${f(cold.ms)}  ${f(cold.extractMs)}  ${f(cold.analyseMs)} ${f(cold.thumbsMs)}  ${cold.extractStallMs.toFixed(1)} ms / ${cold.stallMs.toFixed(1)} ms`);
    console.log(`first page, warm cache ${f(warm.ms)}  ${f(warm.extractMs)}  ${f(warm.analyseMs)} ${f(warm.thumbsMs)}  ${warm.extractStallMs.toFixed(1)} ms / ${warm.stallMs.toFixed(1)} ms`);
    console.log(`(all times in ms; the first page is ${PAGE} thumbnails; the analysis runs on the host thread, so it bounds the stall)`);
    console.log(`thumbnails: ${rate.toFixed(0)} per second (${sample.length} images, sharp, 128 px webp)`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
