// `npm run bench:crop`: core cropping (paper section 5) on the demo benchmark, checked against the generator's ground
// truth. The generator records which images carry the class cue (a background over the whole canvas) but not where
// the digit is, so this script replays the generator's seeded drawing of each validation cue image to recover the
// digit's ink mask, checks the replay reproduces the PNG byte for byte, and measures how much of the cue background
// (every non-ink pixel) the core crops leave out and how much of the digit they keep. It also runs the re-check of
// negative-gap classes. Labels come from the probe images, held in memory (annotation files are not touched).
// Writes a BENCHMARKS.md section between <!-- crop:start --> / <!-- crop:end -->.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import sharp from 'sharp';
import { growSquareClamp, type Box } from '../src/core/cropBox';
import { analyzeCrops } from '../src/engine/crop/analyze';
import { inProcessRunner } from '../src/engine/jobs/inProcess';
import type { CropImage } from '../src/engine/crop/types';
import { CLASSES } from '../scripts/demo/generate-dataset.mjs';
// @ts-expect-error plain ESM script without types
import { hashSeed, mulberry32, shuffle } from '../scripts/demo/lib/prng.mjs';
// @ts-expect-error plain ESM script without types
import { SIZE, drawDigit, newCanvas, paintCue, toBytes } from '../scripts/demo/lib/render.mjs';
import { writeBenchmarksSection } from './lib/benchmarksSection';
import { DEMO_DATA as DATA, DEMO_MODEL as MODEL, probeLabelledDemo } from './lib/probeLabelledDemo';

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : '–');
const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const median = (xs: number[]) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

type Rand = () => number;
interface Params { seed: number; trainPerClass: number; cueStyle: unknown }

/** Replays the generator for validation image i of class k (with its cue): the exact bytes, and the digit's ink opacity per pixel. */
function replay(p: Params, mnist: Array<{ get(i: number): number[]; length: number }>, k: number, i: number): { bytes: Uint8Array; alpha: Float32Array } {
  const order = shuffle(mulberry32(hashSeed(p.seed, 'digits', k)), Array.from({ length: mnist[k].length }, (_, j) => j)) as number[];
  const digit = mnist[k].get(order[p.trainPerClass + i]);
  const draw = (fill: number | null): Float32Array => {
    const rand: Rand = mulberry32(hashSeed(p.seed, 'val', k, i));
    const canvas = newCanvas() as Float32Array;
    paintCue(canvas, rand, k, p.cueStyle);
    if (fill !== null) canvas.fill(fill);
    drawDigit(canvas, rand, digit);
    return canvas;
  };
  const bytes = toBytes(draw(null)) as Uint8Array;
  // drawDigit blends c' = c (1 - a) + ink a: over c = 0 and c = 1 the difference is 1 - a.
  const zero = draw(0);
  const one = draw(1);
  const alpha = new Float32Array(SIZE * SIZE);
  for (let q = 0; q < alpha.length; q++) alpha[q] = 1 - (one[q * 3] - zero[q * 3]);
  return { bytes, alpha };
}

const inBox = (b: Box, x: number, y: number) => x >= b.x && x < b.x + b.width && y >= b.y && y < b.y + b.height;

/** Share of background (ink opacity < 0.5) pixels outside the box, and of ink pixels inside it. */
function coverage(alpha: Float32Array, box: Box): { bgExcluded: number; inkKept: number } {
  let bg = 0, bgOut = 0, ink = 0, inkIn = 0;
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const isInk = alpha[y * SIZE + x] >= 0.5;
      const inside = inBox(box, x, y);
      if (isInk) { ink++; if (inside) inkIn++; } else { bg++; if (!inside) bgOut++; }
    }
  }
  return { bgExcluded: bgOut / bg, inkKept: inkIn / ink };
}

/** The box the recipe would give if it found the whole digit: its ink's bounding box, grown, squared, clamped. */
function digitBox(alpha: Float32Array): Box {
  let x0 = SIZE, y0 = SIZE, x1 = -1, y1 = -1;
  for (let y = 0; y < SIZE; y++) for (let x = 0; x < SIZE; x++) {
    if (alpha[y * SIZE + x] < 0.5) continue;
    x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y);
  }
  return growSquareClamp({ x0, y0, x1: x1 + 1, y1: y1 + 1 }, SIZE, SIZE).box;
}

async function main(): Promise<void> {
  const { session: s, probes, cacheDir } = await probeLabelledDemo({ bootstrap: 0 });
  const params = JSON.parse(readFileSync(join(DATA, 'params.json'), 'utf8')) as Params;
  const truth = JSON.parse(readFileSync(join(DATA, 'ground-truth.json'), 'utf8')) as { images: Record<string, { cue: boolean; split: string; label: string }> };
  const mnist = createRequire(join(process.cwd(), 'package.json'))('mnist') as Array<{ get(i: number): number[]; length: number }>;
  const runner = inProcessRunner('crop');

  const lines: string[] = [];
  const out = (l = '') => { lines.push(l); console.log(l); };
  const t0 = Date.now();
  const cueVal = Object.entries(truth.images).filter(([, t]) => t.split === 'val' && t.cue).map(([rel]) => rel).sort();
  const noCueVal = Object.entries(truth.images).filter(([, t]) => t.split === 'val' && !t.cue).map(([rel]) => rel).sort();
  const rep = await analyzeCrops(s, { scope: 'images', images: [...cueVal, ...noCueVal], cacheDir }, runner);
  const seconds = (Date.now() - t0) / 1000;
  const rows = new Map(rep.classes.flatMap((c) => c.images).map((im) => [im.image, im] as const));
  out(`Demo benchmark, model ${MODEL.split('/').pop()}: ${rep.totals.images} validation images (${cueVal.length} with the planted cue background); ` +
    `probe labels: ${probes.labeled} pairs, ${probes.labeled - probes.spurious} core; head: ${s.headSource}; ${seconds.toFixed(1)} s for heatmaps + crops + re-classification.`);
  out('');

  // Ground truth: how much of the cue background the crops of cue images leave out, and how much digit they keep.
  const stats = { all: [] as Array<{ bg: number; ink: number; ref: number; refInk: number }>, reliable: [] as Array<{ bg: number; ink: number; ref: number; refInk: number }> };
  let replayed = 0;
  for (const rel of cueVal) {
    const im = rows.get(rel) as CropImage | undefined;
    if (!im?.box) continue;
    const k = CLASSES.indexOf(truth.images[rel].label);
    const i = Number(/_(\d+)\.png$/.exec(rel)![1]);
    const { bytes, alpha } = replay(params, mnist, k, i);
    const png = await sharp(join(DATA, rel)).raw().toBuffer();
    if (!Buffer.from(bytes).equals(png)) throw new Error(`replaying the generator does not reproduce ${rel}: the ink mask would be wrong`);
    replayed++;
    const c = coverage(alpha, im.box);
    const ref = coverage(alpha, digitBox(alpha));
    const row = { bg: c.bgExcluded, ink: c.inkKept, ref: ref.bgExcluded, refInk: ref.inkKept };
    stats.all.push(row);
    if (im.reliable) stats.reliable.push(row);
  }
  out(`Cue images (the cue is the whole background; the digit's ink mask is recovered by replaying the seeded generator, ${replayed} of ${replayed} replays byte-identical to the PNGs):`);
  out('');
  out('| cue images | cropped | background left out (mean) | (median) | digit ink kept (mean) | box of the whole digit: background left out | ink kept |');
  out('|---|---:|---:|---:|---:|---:|---:|');
  for (const [name, xs] of [['all', stats.all], ['reliable (top 20% core activation)', stats.reliable]] as const) {
    out(`| ${name} | ${xs.length} | ${pct(mean(xs.map((x) => x.bg)))} | ${pct(median(xs.map((x) => x.bg)))} | ${pct(mean(xs.map((x) => x.ink)))} | ` +
      `${pct(mean(xs.map((x) => x.ref)))} | ${pct(mean(xs.map((x) => x.refInk)))} |`);
  }
  const side = rep.classes.flatMap((c) => c.images).filter((im) => im.box).map((im) => im.box!.width);
  out('');
  out(`Crop side: median ${median(side)} px of ${SIZE} (min ${Math.min(...side)}, max ${Math.max(...side)}); ` +
    `the model's last spatial map is ${s.model.spatialShape ? `${s.model.spatialShape[1]}x${s.model.spatialShape[2]}` : 'of unknown size'}.`);

  // Accuracy on the crops, by cue presence and reliability.
  out('');
  out('| validation images | cropped | acc original | acc cropped | changed | fixed | broken |');
  out('|---|---:|---:|---:|---:|---:|---:|');
  const acc = (ims: CropImage[]) => {
    const d = ims.filter((im) => im.cropped);
    const a = (f: (im: CropImage) => boolean) => pct(d.filter(f).length / d.length);
    return `${d.length} | ${a((im) => im.original.correct)} | ${a((im) => im.cropped!.correct)} | ${d.filter((im) => im.change !== 'same').length} | ` +
      `${d.filter((im) => im.change === 'fixed').length} | ${d.filter((im) => im.change === 'broken').length}`;
  };
  const pick = (rels: string[], reliable?: boolean) => rels.map((r) => rows.get(r)!).filter((im) => im && (reliable === undefined || im.reliable === reliable));
  out(`| with cue | ${acc(pick(cueVal))} |`);
  out(`| without cue | ${acc(pick(noCueVal))} |`);
  out(`| reliable only | ${acc(pick([...cueVal, ...noCueVal], true))} |`);
  out(`| unreliable only | ${acc(pick([...cueVal, ...noCueVal], false))} |`);

  // The re-check the product offers: negative-gap classes' highest-spuriosity validation images.
  const re = await analyzeCrops(s, { scope: 'recheck', cacheDir }, runner);
  out('');
  if (!re.classes.length) out(`Re-check: no class has a negative gap on the demo (k = ${re.k}), so there is nothing to re-check.`);
  else {
    out(`Re-check (k = ${re.k} highest-spuriosity validation images per negative-gap class):`);
    out('');
    out('| class | gap | images | cropped | changed | fixed | broken | reliable |');
    out('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of re.classes) out(`| ${c.name} | ${c.gap} | ${c.counts.images} | ${c.counts.cropped} | ${c.counts.changed} | ${c.counts.fixed} | ${c.counts.broken} | ${c.counts.reliable} |`);
  }

  console.log(`\nwrote the section into ${writeBenchmarksSection('crop', `Core cropping on the demo benchmark (\`npm run bench:crop\`)`, lines)}`);
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
