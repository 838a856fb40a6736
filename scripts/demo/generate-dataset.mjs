// Generates the demo benchmark "spurious-mnist": real MNIST digits over backgrounds that carry a planted,
// class-specific spurious cue, as an ImageFolder with train/ and val/ splits plus ground truth and probes.
//
//   node scripts/demo/generate-dataset.mjs [--out demo-data/spurious-mnist] [--seed 1]
//        [--train-per-class 200] [--val-per-class 50] [--force]
//
// Deterministic: the same parameters give byte-identical PNGs (seeded PRNG per image, lossless PNG).
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { hashSeed, mulberry32, shuffle } from './lib/prng.mjs';
import { DEFAULT_CUE_STYLE, SIZE, cueDescription, drawDigit, newCanvas, paintCue, paintNeutral, toBytes } from './lib/render.mjs';
import { MASK_GROW, inkAlpha, inkMask } from './lib/masks.mjs';

/** Version of the recipe; bump it whenever the pixels change, so existing outputs are regenerated. */
export const GENERATOR_VERSION = 'spurious-mnist/1';

/** Class folder names, in label order. */
export const CLASSES = ['0-zero', '1-one', '2-two', '3-three', '4-four', '5-five', '6-six', '7-seven', '8-eight', '9-nine'];

/** Defaults sized so `npm run demo` (generate + extract + rank) stays well under a minute on 2 cores. */
export const DEFAULTS = Object.freeze({
  out: 'demo-data/spurious-mnist', seed: 1, trainPerClass: 200, valPerClass: 50, probesPerClass: 20, trainCueFraction: 0.7,
});

/** Hash of the pixel recipe's source, so an edited recipe never reuses stale images. */
export function recipeHash() {
  const h = createHash('sha256');
  const here = dirname(fileURLToPath(import.meta.url));
  for (const f of ['lib/render.mjs', 'lib/prng.mjs']) h.update(readFileSync(join(here, f)));
  return h.digest('hex').slice(0, 16);
}

const OWN_ENTRIES = ['train', 'val', 'probes', 'masks', 'ground-truth.json', 'params.json'];

/** Recipe of the object masks (masks/<split>/<class>/<stem>.png, the digit's ink grown by MASK_GROW px); written to masks/.done when all are. */
export const MASKS_VERSION = `ink-grow-${MASK_GROW}/1`;

function checkOptions(o) {
  const int = (name, v, min) => {
    if (!Number.isInteger(v) || v < min) throw new Error(`generate-dataset: ${name} must be an integer >= ${min}, got ${v}`);
  };
  int('seed', o.seed, 0);
  int('trainPerClass', o.trainPerClass, 1);
  int('valPerClass', o.valPerClass, 2);
  int('probesPerClass', o.probesPerClass, 0);
  if (o.valPerClass % 2 !== 0) throw new Error(`generate-dataset: valPerClass must be even (half of each class's validation images carry the cue), got ${o.valPerClass}`);
  if (!(o.trainCueFraction >= 0 && o.trainCueFraction <= 1)) throw new Error(`generate-dataset: trainCueFraction must be in [0, 1], got ${o.trainCueFraction}`);
}

/** True when dir holds anything but what this generator writes (dot-entries such as a .spuriosity cache are allowed). */
function holdsForeignFiles(dir) {
  return readdirSync(dir).some((n) => !OWN_ENTRIES.includes(n) && !n.startsWith('.'));
}

function cueFlags(rand, n, withCue) {
  const flags = Array.from({ length: n }, (_, i) => i < withCue);
  return shuffle(rand, flags);
}

async function pool(items, limit, fn) {
  let next = 0;
  const worker = async () => { while (next < items.length) { const i = next++; await fn(items[i]); } };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Generates the dataset (or reuses it when `params.json` shows the same parameters, unless `force`).
 * Returns the absolute output directory. Refuses to write into a non-empty folder it did not make.
 * @param {Partial<typeof DEFAULTS> & { force?: boolean, cueStyle?: typeof DEFAULT_CUE_STYLE, log?: (msg: string) => void, digits?: { mnistVersion: string, recipe: string, classes: Array<{ length: number, get(i: number): number[] }> } }} [opts]
 * @returns {Promise<string>}
 */
export async function generateDemoDataset(opts = {}) {
  const o = { ...DEFAULTS, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
  checkOptions(o);
  const log = o.log ?? (() => {});
  const out = resolve(o.out);
  // The installed extension has no mnist package: it passes the digits packed at build time (bundled.mjs), with
  // the version and recipe hash they were packed from, so params.json matches `npm run demo`'s byte for byte.
  const mnistVersion = o.digits?.mnistVersion ?? createRequire(import.meta.url)('mnist/package.json').version;
  const style = { ...DEFAULT_CUE_STYLE, ...(o.cueStyle ?? {}) };
  const params = {
    generator: GENERATOR_VERSION, recipe: o.digits?.recipe ?? recipeHash(), mnist: mnistVersion, seed: o.seed, trainPerClass: o.trainPerClass, valPerClass: o.valPerClass,
    probesPerClass: o.probesPerClass, trainCueFraction: o.trainCueFraction, cueStyle: style,
  };
  const paramsPath = join(out, 'params.json');
  const masksDone = join(out, 'masks', '.done');
  // Masks came later than the images: a dataset generated before them gets its masks/ alone, images untouched.
  let imagesUpToDate = false;
  if (!o.force && existsSync(paramsPath)) {
    try {
      if (JSON.stringify(JSON.parse(readFileSync(paramsPath, 'utf8'))) === JSON.stringify(params)) {
        if (existsSync(masksDone) && readFileSync(masksDone, 'utf8').trim() === MASKS_VERSION) {
          log(`${out} already holds this dataset (same parameters); use --force to regenerate`);
          return out;
        }
        imagesUpToDate = true;
      }
    } catch { /* unreadable params: regenerate below */ }
  }
  if (imagesUpToDate) rmSync(join(out, 'masks'), { recursive: true, force: true });
  else if (existsSync(out)) {
    if (holdsForeignFiles(out)) throw new Error(`generate-dataset: ${out} is not empty and was not made by this generator; choose another --out or empty it`);
    for (const n of OWN_ENTRIES) rmSync(join(out, n), { recursive: true, force: true });
  }

  const mnist = o.digits?.classes ?? createRequire(import.meta.url)('mnist');
  const perClass = o.trainPerClass + o.valPerClass + o.probesPerClass;
  const jobs = [];
  const truth = {};
  for (let k = 0; k < CLASSES.length; k++) {
    const available = mnist[k].length;
    if (perClass > available) throw new Error(`generate-dataset: class ${CLASSES[k]} needs ${perClass} distinct MNIST digits (train + val + probes) but the mnist package has ${available}`);
    const order = shuffle(mulberry32(hashSeed(o.seed, 'digits', k)), Array.from({ length: available }, (_, i) => i));
    const trainCue = cueFlags(mulberry32(hashSeed(o.seed, 'cue-train', k)), o.trainPerClass, Math.round(o.trainCueFraction * o.trainPerClass));
    const valCue = cueFlags(mulberry32(hashSeed(o.seed, 'cue-val', k)), o.valPerClass, o.valPerClass / 2);
    const cls = CLASSES[k];
    const add = (kind, i, digitIndex, cue, rel) => jobs.push({ kind, k, i, digitIndex, cue, rel });
    for (let i = 0; i < o.trainPerClass; i++) add('train', i, order[i], trainCue[i], `train/${cls}/${cls}_${pad(i)}.png`);
    for (let i = 0; i < o.valPerClass; i++) add('val', i, order[o.trainPerClass + i], valCue[i], `val/${cls}/${cls}_${pad(i)}.png`);
    for (let i = 0; i < o.probesPerClass; i++) {
      add('probe-cue', i, -1, true, `probes/cue/${cls}/cue_${pad(i)}.png`);
      add('probe-object', i, order[o.trainPerClass + o.valPerClass + i], false, `probes/object/${cls}/object_${pad(i)}.png`);
    }
  }
  const masked = jobs.filter((j) => j.kind === 'train' || j.kind === 'val');
  const dirs = new Set([...(imagesUpToDate ? [] : jobs), ...masked.map((j) => ({ rel: `masks/${j.rel}` }))].map((j) => j.rel.slice(0, j.rel.lastIndexOf('/'))));
  for (const d of dirs) await mkdir(join(out, d), { recursive: true });

  const paint = (j) => (canvas, rand) => (j.cue ? paintCue(canvas, rand, j.k, style) : paintNeutral(canvas, rand, style));
  if (!imagesUpToDate) {
    log(`writing ${jobs.length} images to ${out}`);
    await pool(jobs, 8, async (j) => {
      const rand = mulberry32(hashSeed(o.seed, j.kind, j.k, j.i));
      const canvas = newCanvas();
      paint(j)(canvas, rand);
      if (j.digitIndex >= 0) drawDigit(canvas, rand, mnist[j.k].get(j.digitIndex));
      const png = await sharp(Buffer.from(toBytes(canvas)), { raw: { width: SIZE, height: SIZE, channels: 3 } })
        .png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
        .toBuffer();
      await writeFile(join(out, j.rel), png);
    });
  }
  log(`writing ${masked.length} object masks to ${join(out, 'masks')}`);
  await pool(masked, 8, async (j) => {
    const alpha = inkAlpha(() => mulberry32(hashSeed(o.seed, j.kind, j.k, j.i)), paint(j), mnist[j.k].get(j.digitIndex));
    const png = await sharp(Buffer.from(inkMask(alpha)), { raw: { width: SIZE, height: SIZE, channels: 1 } })
      .png({ compressionLevel: 9, adaptiveFiltering: false, palette: false })
      .toBuffer();
    await writeFile(join(out, 'masks', j.rel), png);
  });
  await writeFile(masksDone, `${MASKS_VERSION}\n`);
  if (imagesUpToDate) {
    log(`done: masks for the ${masked.length} images of ${out}`);
    return out;
  }

  for (const j of jobs) {
    if (j.kind === 'train' || j.kind === 'val') truth[j.rel] = { split: j.kind, label: CLASSES[j.k], cue: j.cue };
  }
  const images = Object.fromEntries(Object.keys(truth).sort().map((rel) => [rel, truth[rel]]));
  const groundTruth = {
    seed: o.seed, generator: GENERATOR_VERSION, classes: CLASSES,
    cue: Object.fromEntries(CLASSES.map((c, k) => [c, cueDescription(k)])),
    cueFraction: { train: Math.round(o.trainCueFraction * o.trainPerClass) / o.trainPerClass, val: 0.5 },
    probes: { cue: 'probes/cue/<class>/: the class cue background alone, no digit', object: 'probes/object/<class>/: the class digit on a neutral background' },
    images,
  };
  await writeFile(join(out, 'ground-truth.json'), JSON.stringify(groundTruth, null, 1) + '\n');
  // Written last: its presence marks a complete dataset.
  await writeFile(paramsPath, JSON.stringify(params, null, 2) + '\n');
  log(`done: ${Object.keys(images).length} images (+ ${o.probesPerClass * 2 * CLASSES.length} probes) in ${out}`);
  return out;
}

function pad(i) {
  return String(i).padStart(4, '0');
}

async function main() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string' }, seed: { type: 'string' }, 'train-per-class': { type: 'string' }, 'val-per-class': { type: 'string' },
      'probes-per-class': { type: 'string' }, 'train-cue-fraction': { type: 'string' }, force: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log('usage: node scripts/demo/generate-dataset.mjs [--out DIR] [--seed N] [--train-per-class N] [--val-per-class M (even)] [--probes-per-class P] [--train-cue-fraction F] [--force]');
    return;
  }
  const num = (v) => (v === undefined ? undefined : Number(v));
  const t0 = Date.now();
  await generateDemoDataset({
    out: values.out, seed: num(values.seed), trainPerClass: num(values['train-per-class']), valPerClass: num(values['val-per-class']),
    probesPerClass: num(values['probes-per-class']), trainCueFraction: num(values['train-cue-fraction']), force: values.force,
    log: (m) => console.error(m),
  });
  console.error(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e instanceof Error ? e.message : String(e)); process.exit(1); });
}
