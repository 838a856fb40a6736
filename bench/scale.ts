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
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import type { SessionOpened, TuneAnswer } from '../src/engine/analysis/streamed/sessionJob';
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

/** The host's side, as the extension runs it: the session in a child opened from the dataset root, the host asks for the first page. */
interface HostFigures {
  firstPageS: number;
  /** Of firstPageS: until the child answered 'ready' (discovery, open), and the page answer + thumbnails after it. */
  openS: number;
  hostRssGrowthMb: number;
  childPeakRssMb: number;
  /** Median of 7 label changes (spurious, then cleared) through the child: the answer is the new overview. */
  rerankViaChildMs: number;
  /** The child's open by phase (ms), then the page answer through IPC and the 60 thumbnails (ms). */
  phases: Array<[string, number]>;
}

/** One low-spuriosity tuning run in the session child (as the extension's Fine-tune runs it). */
interface TuneFigures {
  tuningRows: number;
  valRows: number;
  rounds: number;
  maxIter: number;
  s: number;
  childPeakRssMb: number;
  gapBefore: number;
  gapAfter: number;
  accBefore: number;
  accAfter: number;
  stoppedBecause: string;
}

interface Row {
  host?: { first: HostFigures; cold: HostFigures; warm: HostFigures };
  tune?: TuneFigures;
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
  // each part's figures are printed as they come: a long run stopped later keeps what it measured
  const said = <T>(what: string, x: T): T => { console.log(`  ${what}: ${JSON.stringify(x)}`); return x; };
  const host = PARTS.has('host') ? {
    first: said('host, first open', await hostFirstPage(w, annotations, 'first')),
    cold: said('host, cold', await hostFirstPage(w, annotations, 'cold')),
    warm: said('host, warm', await hostFirstPage(w, annotations, 'warm')),
  } : undefined;
  const tune = PARTS.has('tune') ? said('tune', await tuneInChild(w)) : undefined;
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
    return { host, tune, images: w.images, generateS, rank, gap, openS: NaN, sessionRssMb: NaN, rerankMs: NaN, meanGap: gr.meanGap?.value ?? NaN, cueInTop: inTop / (cueClasses || 1), cuePrecisionHigh: high / (shown || 1), cuePrecisionLow: low / (shown || 1) };
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
    host, tune,
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
 * with the session in a child opened from the dataset root (as the extension's controller opens it), and how much
 * this (host) process grew meanwhile. first: nothing kept (no analysis index, no thumbnails); cold: the analysis
 * index of the first open kept, no thumbnails; warm: both kept (and the files in the OS page cache).
 */
async function hostFirstPage(w: ScaleWorkload, annotations: string, phase: 'first' | 'cold' | 'warm'): Promise<HostFigures> {
  const thumbsDir = join(w.root, 'thumbs');
  if (phase !== 'warm') rmSync(thumbsDir, { recursive: true, force: true });
  if (phase === 'first') for (const d of readdirSync(w.cache)) for (const f of readdirSync(join(w.cache, d))) if (f.endsWith('.idx')) rmSync(join(w.cache, d, f));
  global.gc?.();
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const sample = setInterval(() => { rssMax = Math.max(rssMax, process.memoryUsage().rss); }, 50);
  const t0 = performance.now();
  const child = await openSessionInChild(WORKER, { root: w.data, modelPath: w.model, cacheDir: w.cache, annotations: { root: w.data, path: annotations }, options: { bootstrap: 0 } });
  const openS = (performance.now() - t0) / 1000;
  try {
    const cls = 0; // c0000: a cue class, ranked by its labelled cue
    const tp = performance.now();
    const page = await child.ask<ClassPageResult>({ kind: 'classPage', request: { cls, split: 'val', order: 'desc', offset: 0, count: PAGE } });
    const tt = performance.now();
    const thumbs = new ThumbnailCache(thumbsDir, { pixelLimit: 100_000_000 });
    await Promise.all(page.rows.map((r) => thumbs.ensure(r.entry)));
    const firstPageS = (performance.now() - t0) / 1000;
    const childPhases = (await child.ask<SessionOpened>({ kind: 'opened' })).timings;
    const inChild = childPhases.reduce((a, [, ms]) => a + ms, 0);
    // what the child's phases do not cover of the open: starting the child, loading its modules, the 'ready' message
    const phases: Array<[string, number]> = [['child start and IPC', openS * 1000 - inChild], ...childPhases, ['page answer', tt - tp], ['thumbnails', performance.now() - tt]];
    const times: number[] = [];
    for (let k = 0; k < 7; k++) {
      const t1 = performance.now();
      await child.ask({ kind: 'setLabel', cls: className(4 * k), feature: coreOf(w.spec, 4 * k)[1], verdict: { label: 'spurious' } });
      times.push(performance.now() - t1);
      await child.ask({ kind: 'setLabel', cls: className(4 * k), feature: coreOf(w.spec, 4 * k)[1], verdict: null });
    }
    times.sort((a, b) => a - b);
    rssMax = Math.max(rssMax, process.memoryUsage().rss);
    return { firstPageS, openS, hostRssGrowthMb: (rssMax - rss0) / 2 ** 20, childPeakRssMb: peakRssMb(child.pid), rerankViaChildMs: times[3], phases };
  } finally {
    clearInterval(sample);
    await child.close();
  }
}

/**
 * One low-spuriosity tuning run at 100 images per class (the paper's ImageNet setting: 100k tuning rows, 50k
 * validation rows) in the session child, every class ranked (its cue, or one core feature, labelled spurious in a
 * separate annotation file). TUNE_ITERS (default 1) caps the L-BFGS iterations: a full run is many such rounds.
 */
async function tuneInChild(w: ScaleWorkload): Promise<TuneFigures> {
  const file = join(w.root, 'tune-annotations.json');
  const { info } = await loadModel(w.model);
  if (!existsSync(file)) {
    const store = await AnnotationFileStore.open(file, { sha256: info.sha256, name: 'planted (every class ranked)' }, w.data);
    for (let c = 0; c < w.spec.classes; c++) {
      const cue = cueOf(w.spec, c);
      await store.set(className(c), cue >= 0 ? cue : coreOf(w.spec, c)[0], { label: 'spurious' });
    }
  }
  const maxIter = Number(flag('--tune-iters') ?? 1);
  const child = await openSessionInChild(WORKER, { root: w.data, modelPath: w.model, cacheDir: w.cache, annotations: { root: w.data, path: file }, options: { bootstrap: 0 } });
  try {
    let rounds = 0;
    const t0 = performance.now();
    const out = await child.ask<TuneAnswer>({ kind: 'tune', method: 'low-spuriosity', k: 100, threshold: 0, maxIter }, { onEvent: () => { rounds++; } });
    const s = (performance.now() - t0) / 1000;
    const h = out.result.history;
    return {
      tuningRows: out.tuningImages, valRows: (w.spec.valPerClass ?? 50) * w.spec.classes, rounds, maxIter, s, childPeakRssMb: peakRssMb(child.pid),
      gapBefore: out.result.before.meanGap, gapAfter: out.result.after.meanGap, accBefore: out.result.before.valAccuracy, accAfter: out.result.after.valAccuracy,
      stoppedBecause: `${out.result.stoppedBecause} (${h.length} records)`,
    };
  } finally {
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
    '| images (train + val) | first page, first open (open) | first page, cold (open) | first page, warm (open) | host RSS growth (first / cold / warm) | session child peak RSS (first / warm) | re-rank through the child (warm) |',
    '|---|---|---|---|---|---|---|',
    ...rows.filter((r) => r.host).map((r) => {
      const h = r.host!;
      const page = (x: HostFigures) => `${f1(x.firstPageS)} s (${f1(x.openS)} s)`;
      return `| ${r.images.toLocaleString('en-US')} | ${page(h.first)} | ${page(h.cold)} | ${page(h.warm)} | ${f0(h.first.hostRssGrowthMb)} / ${f0(h.cold.hostRssGrowthMb)} / ${f0(h.warm.hostRssGrowthMb)} MB | ${f0(h.first.childPeakRssMb)} / ${f0(h.warm.childPeakRssMb)} MB | ${h.warm.rerankViaChildMs.toFixed(1)} ms |`;
    }),
  ] : [];
  // the largest measured size's first page by phase: where the time goes
  const big = rows.filter((r) => r.host).at(-1);
  const phaseTable = big ? (() => {
    const h = big.host!;
    const names = [...new Set([h.first, h.cold, h.warm].flatMap((x) => x.phases.map(([p]) => p)))];
    const at = (x: HostFigures, p: string) => { const ms = x.phases.filter(([q]) => q === p).reduce((a, [, m]) => a + m, 0); return x.phases.some(([q]) => q === p) ? `${(ms / 1000).toFixed(2)} s` : '-'; };
    return ['', `First gallery page at ${big.images.toLocaleString('en-US')} images, by phase:`, '', '| phase | first open | cold | warm |', '|---|---|---|---|', ...names.map((p) => `| ${p} | ${at(h.first, p)} | ${at(h.cold, p)} | ${at(h.warm, p)} |`)];
  })() : [];
  const pct = (x: number) => (x * 100).toFixed(1);
  const tuneTable = rows.some((r) => r.tune) ? [
    '',
    '| images (train + val) | tuning rows | validation rows | L-BFGS iterations (cap) | rounds reported | time | session child peak RSS | mean gap before -> after | val accuracy before -> after | stopped |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.filter((r) => r.tune).map((r) => {
      const t = r.tune!;
      return `| ${r.images.toLocaleString('en-US')} | ${t.tuningRows.toLocaleString('en-US')} | ${t.valRows.toLocaleString('en-US')} | ${t.maxIter} | ${t.rounds} | ${f1(t.s)} s | ${f0(t.childPeakRssMb)} MB | ${pct(t.gapBefore)} -> ${pct(t.gapAfter)} pts | ${pct(t.accBefore)} -> ${pct(t.accAfter)}% | ${t.stoppedBecause} |`;
    }),
  ] : [];
  const table = [
    '| images (train + val) | rank peak RSS | rank time | gap peak RSS | gap time | session open (in process) | session RSS | re-rank one class | mean gap | cue in top-5 | cue share, 5 highest / 5 lowest val |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.images.toLocaleString('en-US')} | ${f0(r.rank.rssMb)} MB | ${f1(r.rank.s)} s | ${f0(r.gap.rssMb)} MB | ${f1(r.gap.s)} s | ${f1(r.openS)} s | ${f0(r.sessionRssMb)} MB | ${r.rerankMs.toFixed(2)} ms | ${f1(r.meanGap)} pts | ${f0(r.cueInTop * 100)}% | ${f0(r.cuePrecisionHigh * 100)}% / ${f0(r.cuePrecisionLow * 100)}% |`),
  ];
  table.push(...hostTable, ...phaseTable, ...tuneTable);
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
