// `node --import tsx bench/token-maps.ts`: where the heatmaps of the demo's transformer (token maps) put the cue and the
// digit, beside the demo CNN's NAMs. On the demo benchmark's validation images that carry the planted cue, every
// probe-labelled top feature's map is normalised per image as the heatmaps are, and its mass is split by the
// generator's digit mask (core/maskScore, as automatic labeling does): the share off the digit is the heatmap mass on
// the background. Cue (spurious) features should put most of theirs there, digit (core) features much less.
// Writes a BENCHMARKS.md section between <!-- token-maps:start --> / <!-- token-maps:end -->.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { MemoryLabelStore } from '../src/engine/analysis/labels';
import { annotateFromProbes } from '../src/engine/analysis/probeAnnotate';
import { AnalysisSession } from '../src/engine/analysis/session';
import { discoverDataset } from '../src/engine/dataset/discover';
import { withoutSkippedUnder } from '../src/engine/dataset/withoutFolder';
import { extract } from '../src/engine/extract/pipeline';
import { inProcessRunner } from '../src/engine/jobs/inProcess';
import type { MaskScoreItem, MaskScoreResult } from '../src/engine/masks/maskScoreJob';
import sharp from 'sharp';
import { maskFileFor } from '../src/engine/masks/maskFolder';
import { generateDemoDataset } from '../scripts/demo/generate-dataset.mjs';
import { writeBenchmarksSection } from './lib/benchmarksSection';

const DATA = resolve('demo-data/spurious-mnist');
const MASKS = join(DATA, 'masks');
const MODELS = [['spurious-mnist', 'CNN (bundled), NAM 80 x 8 x 8'], ['spurious-mnist-vit', 'ViT, token map 64 x 8 x 8']] as const;
const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

interface Row { name: string; what: string; cue: number[]; digit: number[]; blank: { cue: number; digit: number }; images: number; grid: string; seconds: number; onDigit: number }

/** Mean share of the image the digit masks cover (what an evenly spread map would put on the digit). */
async function maskCoverage(rels: string[]): Promise<number> {
  const shares = await Promise.all(rels.map(async (rel) => {
    const { data } = await sharp(maskFileFor(MASKS, rel)).greyscale().raw().toBuffer({ resolveWithObject: true });
    let s = 0;
    for (const v of data) s += v / 255;
    return s / data.length;
  }));
  return mean(shares);
}

async function measure(name: string, what: string): Promise<Row> {
  const modelPath = resolve(`models/demo/${name}.onnx`);
  const cacheDir = join(DATA, '.spuriosity');
  const dataset = withoutSkippedUnder(await discoverDataset(DATA), cacheDir);
  const extraction = await extract({ dataset, modelPath, cacheDir });
  const store = new MemoryLabelStore();
  const session = AnalysisSession.create(dataset, extraction, store, { bootstrap: 0 });
  await annotateFromProbes(session, store, join(DATA, 'probes'), cacheDir);
  const truth = JSON.parse(readFileSync(join(DATA, 'ground-truth.json'), 'utf8')) as { images: Record<string, { cue: boolean }> };
  const cueVal = (cls: string) => dataset.images.filter((e) => e.split === 'val' && e.label === cls && truth.images[e.rel]?.cue);
  const items: MaskScoreItem[] = store.entries().map((e) => ({ cls: e.cls, feature: e.feature, entries: cueVal(e.cls) }));
  const verdict = new Map(store.entries().map((e) => [`${e.cls}\0${e.feature}`, e.verdict.label]));
  const mapCache = await mkdtemp(join(tmpdir(), 'token-maps-'));
  const t0 = performance.now();
  const r = await inProcessRunner('mask-score')({ modelPath, cacheDir: mapCache, source: { kind: 'folder', dir: MASKS }, items }) as MaskScoreResult;
  const seconds = (performance.now() - t0) / 1000;
  await rm(mapCache, { recursive: true, force: true });
  if (r.maskProblems.length) console.error(`${name}: ${r.maskProblems.length} mask problem(s), first: ${r.maskProblems[0].message}`);
  const cue: number[] = [];
  const digit: number[] = [];
  const blank = { cue: 0, digit: 0 };
  for (const p of r.pairs) {
    // No image with a positive map: the heatmap of this pair is blank on every cue image.
    if (!Number.isFinite(p.score.mean)) { blank[verdict.get(`${p.cls}\0${p.feature}`) === 'spurious' ? 'cue' : 'digit']++; continue; }
    (verdict.get(`${p.cls}\0${p.feature}`) === 'spurious' ? cue : digit).push(1 - p.score.mean);
  }
  const rels = [...new Set(items.flatMap((it) => it.entries.map((e) => e.rel)))];
  return { name, what, cue, digit, blank, images: rels.length, grid: `${r.grid.h} x ${r.grid.w}`, seconds, onDigit: await maskCoverage(rels) };
}

async function main(): Promise<void> {
  await generateDemoDataset({ out: DATA });
  const rows: Row[] = [];
  for (const [name, what] of MODELS) {
    const row = await measure(name, what);
    rows.push(row);
    console.log(`${name}: background share cue ${pct(mean(row.cue))} (${row.cue.length} features), digit ${pct(mean(row.digit))} (${row.digit.length}); ${row.images} images, ${row.seconds.toFixed(1)} s`);
  }
  const lines = [
    'Demo benchmark, validation images that carry the planted cue (250, 25 per class). Features: each class\'s 5 top features,',
    'labelled from the probe images (cue = spurious, digit = core). Per (class, feature) the mean over the class\'s cue images',
    'of the share of the map\'s mass off the digit mask (the generator\'s `masks/`, ink grown by 2 px); maps normalised per',
    'image by their maximum as the heatmaps are, values below 0 counted as 0 (token maps oriented by the class token\'s sign, as the',
    'heatmaps draw them; before that orientation 9 cue and 14 digit features of the ViT were blank and its digit features read 63.0%),',
    `mask averaged onto the map grid (core/maskScore). The digit masks cover ${pct(rows[0].onDigit)}`,
    `of these images, so a map spread evenly would put ${pct(1 - rows[0].onDigit)} on the background.`,
    '',
    '| model | map | heatmap mass on the background, cue features | same, digit features | cue / digit features | blank (no positive value on any cue image), cue / digit |',
    '|---|---|---:|---:|---:|---:|',
    ...rows.map((r) => `| \`${r.name}\` | ${r.what} | ${pct(mean(r.cue))} | ${pct(mean(r.digit))} | ${r.cue.length} / ${r.digit.length} | ${r.blank.cue} / ${r.blank.digit} |`),
  ];
  console.log(`\nwrote the section into ${writeBenchmarksSection('token-maps', 'Token maps of the demo transformer vs the CNN\'s NAMs (`node --import tsx bench/token-maps.ts`)', lines)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
