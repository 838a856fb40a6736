// `npm run bench:scale`: the analysis at ImageNet scale. For each size of a planted ImageNet-shaped dataset (1,000
// classes, 2,048 features, 50 validation images per class; bench/lib/scaleDataset writes it straight into the cache
// format, no image decoded): peak RSS and time of `spuriosity rank` and `spuriosity gap` (the CLI as a user runs it),
// the out-of-core session opened in this process, re-ranking after one label change, and whether the planted cues
// come out (cue in the class's top features, cue images at the high end of the ranking, positive gaps).
// Usage: npm run bench:scale [-- --sizes 100000,320000,640000,1281167] [--write]  (workloads stay in .bench/)
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { AnnotationFileStore } from '../src/engine/annotations/store';
import { MemoryLabelStore } from '../src/engine/analysis/labels';
import { openDataset } from '../src/engine/analysis/openAnalysis';
import { StreamedSession } from '../src/engine/analysis/streamed/streamedSession';
import { loadModel } from '../src/engine/model/loadModel';
import { openSessionInChild } from '../src/engine/analysis/streamed/sessionClient';
import type { ClassPageResult } from '../src/engine/analysis/queries/classPage';
import { ThumbnailCache } from '../src/engine/render/thumbnails';
import { readFileSync, rmSync } from 'node:fs';
import { writeBenchmarksSection } from './lib/benchmarksSection';
import { className, coreOf, cueOf, hasCue, imagenetSpec } from './lib/plantedFeatures';
import { scaleWorkload, type ScaleWorkload } from './lib/scaleDataset';

const args = process.argv.slice(2);
const flag = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const SIZES = (flag('--sizes') ?? '100000,320000,640000,1281167').split(',').map(Number);
const CLI = resolve('dist/cli.js');
const WORKER = resolve('dist/jobWorker.js');
const PARTS = new Set((flag('--parts') ?? 'cli,session,host').split(','));
const PAGE = 60;

/** The host's side, as the extension would run it: the session in a child, the host asks for the first page. */
interface HostFigures {
  firstPageS: number;
  hostRssGrowthMb: number;
  childPeakRssMb: number;
  rerankViaChildMs: number;
}

interface Row {
  host?: { cold: HostFigures; warm: HostFigures };
  images: number;
  generateS: number;
  rank: { rssMb: number; s: number };
  gap: { rssMb: number; s: number };
  openS: number;
  sessionRssMb: number;
  rerankMs: number;
  meanGap: number;
  cueInTop: number;
  cuePrecisionHigh: number;
  cuePrecisionLow: number;
}

/** Labels every cue class's cue spurious and its first core feature core (what a reviewer of the planted data would). */
function plantedLabels(w: ScaleWorkload): Array<{ cls: string; feature: number; verdict: { label: 'spurious' | 'core' } }> {
  const out: Array<{ cls: string; feature: number; verdict: { label: 'spurious' | 'core' } }> = [];
  for (let c = 0; c < w.spec.classes; c++) {
    const cue = cueOf(w.spec, c);
    if (cue < 0) continue;
    out.push({ cls: className(c), feature: cue, verdict: { label: 'spurious' } }, { cls: className(c), feature: coreOf(w.spec, c)[0], verdict: { label: 'core' } });
  }
  return out;
}

/** Runs the CLI under /usr/bin/time; returns its stdout, peak RSS (MB) and wall time (s). */
function cli(argv: string[]): { stdout: string; rssMb: number; s: number } {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %M %e', process.execPath, CLI, ...argv], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const m = /TIME (\d+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`spuriosity ${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { stdout: r.stdout, rssMb: Number(m[1]) / 1024, s: Number(m[2]) };
}

async function measure(n: number): Promise<Row> {
  const t0 = performance.now();
  const w = await scaleWorkload(resolve('.bench', `scale-${n}`), imagenetSpec(n), (s) => console.log(s));
  const generateS = (performance.now() - t0) / 1000;
  const { info } = await loadModel(w.model);
  const annotations = join(w.root, 'annotations.json');
  const labels = plantedLabels(w);
  if (!existsSync(annotations)) {
    const store = await AnnotationFileStore.open(annotations, { sha256: info.sha256, name: 'planted' }, w.data);
    for (const l of labels) await store.set(l.cls, l.feature, l.verdict);
  }
  const common = [w.data, '--model', w.model, '--cache', w.cache, '--annotations', annotations, '--json'];
  const skip = { stdout: '{"classes":[],"meanGap":null}', rssMb: NaN, s: NaN };
  const rank = PARTS.has('cli') ? cli(['rank', ...common, '--bootstrap', '0']) : skip;
  const gap = PARTS.has('cli') ? cli(['gap', ...common]) : skip;
  const host = PARTS.has('host') ? { cold: await hostFirstPage(w, annotations, true), warm: await hostFirstPage(w, annotations, false) } : undefined;
  const rr = JSON.parse(rank.stdout) as { classes: Array<{ name: string; topFeatures: Array<{ feature: number }>; ranking: { val: { highest: Array<{ image: string }>; lowest: Array<{ image: string }> } } | null }> };
  const gr = JSON.parse(gap.stdout) as { meanGap: { value: number } | null };
  // the planted truth: a cue class's cue is among its top features, its highest-spuriosity images carry the cue
  let inTop = 0;
  let cueClasses = 0;
  let high = 0;
  let low = 0;
  let shown = 0;
  const cueImage = (rel: string) => {
    const [split, cls, file] = rel.split('/');
    return hasCue(w.spec, { cls: Number(cls.slice(1)), split: split as 'train' | 'val', j: Number(file.slice(0, 6)) });
  };
  for (const c of rr.classes) {
    const cue = cueOf(w.spec, Number(c.name.slice(1)));
    if (cue < 0) continue;
    cueClasses++;
    if (c.topFeatures.some((f) => f.feature === cue)) inTop++;
    if (!c.ranking) continue;
    high += c.ranking.val.highest.filter((x) => cueImage(x.image)).length;
    low += c.ranking.val.lowest.filter((x) => cueImage(x.image)).length;
    shown += c.ranking.val.highest.length;
  }
  // the session in this process: open time, its memory, and re-ranking one class after one label change
  if (!PARTS.has('session')) {
    return { host, images: w.images, generateS, rank, gap, openS: NaN, sessionRssMb: NaN, rerankMs: NaN, meanGap: gr.meanGap?.value ?? NaN, cueInTop: inTop / (cueClasses || 1), cuePrecisionHigh: high / (shown || 1), cuePrecisionLow: low / (shown || 1) };
  }
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  const t1 = performance.now();
  const dataset = await openDataset(w.data, w.cache);
  const s = await StreamedSession.open({ dataset, modelPath: w.model, cacheDir: w.cache, openLabels: async () => new MemoryLabelStore(labels), options: { bootstrap: 0 } });
  const openS = (performance.now() - t1) / 1000;
  const sessionRssMb = (process.memoryUsage().rss - rss0) / 2 ** 20;
  const times: number[] = [];
  for (let k = 0; k < 7; k++) {
    const cls = className(4 * k); // a cue class: its ranking changes when its core feature is labelled spurious too
    const f = coreOf(w.spec, 4 * k)[1];
    const t = performance.now();
    await s.setLabel(cls, f, { label: 'spurious' });
    times.push(performance.now() - t);
    await s.setLabel(cls, f, null);
  }
  times.sort((a, b) => a - b);
  return {
    host,
    images: dataset.images.length, generateS, rank: { rssMb: rank.rssMb, s: rank.s }, gap: { rssMb: gap.rssMb, s: gap.s }, openS, sessionRssMb,
    rerankMs: times[Math.floor(times.length / 2)], meanGap: gr.meanGap?.value ?? NaN,
    cueInTop: inTop / cueClasses, cuePrecisionHigh: high / shown, cuePrecisionLow: low / shown,
  };
}

/** Peak RSS (VmHWM) of a process, in MB. */
function peakRssMb(pid: number | undefined): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Time from "open this dataset" to the first gallery page (60 thumbnails of a ranked class, highest spuriosity first)
 * with the session in a child process, and how much this (host) process grew meanwhile. Cold: no thumbnails yet;
 * warm: the same again, thumbnails made and the shards in the page cache.
 */
async function hostFirstPage(w: ScaleWorkload, annotations: string, cold: boolean): Promise<HostFigures> {
  const thumbsDir = join(w.root, 'thumbs');
  if (cold) rmSync(thumbsDir, { recursive: true, force: true });
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const sample = setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage().rss); }, 50);
  const t0 = performance.now();
  const child = await openSessionInChild(WORKER, { root: w.data, modelPath: w.model, cacheDir: w.cache, annotations: { root: w.data, path: annotations }, options: { bootstrap: 0 } });
  try {
    const cls = 0; // c0000: a cue class, ranked by its labelled cue
    const page = await child.ask<ClassPageResult>({ kind: 'classPage', request: { cls, split: 'val', order: 'desc', offset: 0, count: PAGE } });
    const thumbs = new ThumbnailCache(thumbsDir, { pixelLimit: 100_000_000 });
    await Promise.all(page.rows.map((r) => thumbs.ensure(r.entry)));
    const firstPageS = (performance.now() - t0) / 1000;
    const t1 = performance.now();
    await child.ask({ kind: 'setLabel', cls: className(0), feature: coreOf(w.spec, 0)[1], verdict: { label: 'spurious' } });
    const rerankViaChildMs = performance.now() - t1;
    await child.ask({ kind: 'setLabel', cls: className(0), feature: coreOf(w.spec, 0)[1], verdict: null });
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    return { firstPageS, hostRssGrowthMb: (rssMax - rss0) / 2 ** 20, childPeakRssMb: peakRssMb(child.pid), rerankViaChildMs };
  } finally {
    clearInterval(sample);
    await child.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm run bench:scale does)`);
  console.log(`${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}, ${(freemem() / 2 ** 30).toFixed(1)} GB free`);
  const rows: Row[] = [];
  for (const n of SIZES) {
    console.log(`\n${n} training images (+ 50,000 validation):`);
    const r = await measure(n);
    rows.push(r);
    console.log(JSON.stringify(r));
    writeFileSync(resolve('.bench', `scale-results-${[...PARTS].join('-')}.json`), JSON.stringify(rows, null, 2));
  }
  const f1 = (x: number) => x.toFixed(1);
  const f0 = (x: number) => x.toFixed(0);
  const hostTable = rows.some((r) => r.host) ? [
    '',
    '| images (train + val) | first gallery page, cold | first page, warm | host RSS growth (cold / warm) | session child peak RSS | re-rank through the child |',
    '|---|---|---|---|---|---|',
    ...rows.filter((r) => r.host).map((r) => `| ${r.images.toLocaleString('en-US')} | ${f1(r.host!.cold.firstPageS)} s | ${f1(r.host!.warm.firstPageS)} s | ${f0(r.host!.cold.hostRssGrowthMb)} / ${f0(r.host!.warm.hostRssGrowthMb)} MB | ${f0(r.host!.cold.childPeakRssMb)} MB | ${r.host!.cold.rerankViaChildMs.toFixed(1)} ms |`),
  ] : [];
  const table = [
    '| images (train + val) | rank peak RSS | rank time | gap peak RSS | gap time | session open (in process) | session RSS | re-rank one class | mean gap | cue in top-5 | cue share, 5 highest / 5 lowest val |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.images.toLocaleString('en-US')} | ${f0(r.rank.rssMb)} MB | ${f1(r.rank.s)} s | ${f0(r.gap.rssMb)} MB | ${f1(r.gap.s)} s | ${f1(r.openS)} s | ${f0(r.sessionRssMb)} MB | ${r.rerankMs.toFixed(2)} ms | ${f1(r.meanGap)} pts | ${f0(r.cueInTop * 100)}% | ${f0(r.cuePrecisionHigh * 100)}% / ${f0(r.cuePrecisionLow * 100)}% |`),
  ];
  table.push(...hostTable);
  console.log(`\n${table.join('\n')}`);
  if (args.includes('--write')) {
    console.log(`wrote ${writeBenchmarksSection('scale-imagenet', 'ImageNet scale: out-of-core rank and gap (`npm run bench:scale`)', [
      `${cpus().length} cores shared with other work (load average ${loadavg()[0].toFixed(1)}). Planted dataset (bench/lib/plantedFeatures): 1,000 classes, 2,048 float16 features, 50 validation images per class, a cue feature spurious for every 4th class, labelled spurious (and one core feature core) in the annotation file.`,
      '',
      ...table,
    ])}`);
  }
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
