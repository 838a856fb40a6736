// Generates one member of the mitigation benchmark family (specs.mjs) as an ImageFolder with train/ and val/ splits,
// probes/cue and probes/object (for `annotations from-probes`), ground-truth.json (per image: split, label, cue) and,
// for a member with a digits backbone, pretrain/ (the backbone's own task: the digit classes over backgrounds whose
// cue is independent of the digit; ground-truth.json's `pretrain` gives each image's digit class and cue class, -1 none).
// Deterministic for a spec; reuses the folder when params.json matches.
//   node scripts/bench/family/generate.mjs [--only name] [--root .bench/mitigation]
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { hashSeed, mulberry32, shuffle } from '../../demo/lib/prng.mjs';
import { drawDigit, newCanvas, paintCue, paintNeutral, toBytes } from './render.mjs';
import { FAMILY } from './specs.mjs';

const WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const here = dirname(fileURLToPath(import.meta.url));

/** Folder names of a spec's classes, in label order (classes 10-19 are the digits turned 90 degrees). */
export function classNames(spec) {
  return Array.from({ length: spec.classes }, (_, k) => `${String(k).padStart(2, '0')}-${WORDS[k % 10]}${k >= 10 ? '-turned' : ''}`);
}

/** Hash of the spec and the pixel recipe, the key under which the dataset and its trained model are cached. */
export function specKey(spec) {
  const h = createHash('sha256').update(JSON.stringify(spec));
  for (const f of ['render.mjs', 'generate.mjs', '../../demo/lib/prng.mjs']) h.update(readFileSync(join(here, f)));
  h.update(createRequire(import.meta.url)('mnist/package.json').version);
  return h.digest('hex').slice(0, 16);
}

async function png(canvas) {
  return sharp(Buffer.from(toBytes(canvas)), { raw: { width: canvas.size, height: canvas.size, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false }).toBuffer();
}

/** Generates `spec` under `root`/<name> (or reuses it); returns the folder. */
export async function generateFamilyMember(spec, root = '.bench/mitigation') {
  const out = resolve(root, spec.name);
  const key = specKey(spec);
  const paramsPath = join(out, 'params.json');
  if (existsSync(paramsPath) && JSON.parse(readFileSync(paramsPath, 'utf8')).key === key) return out;
  rmSync(out, { recursive: true, force: true });
  const mnist = createRequire(import.meta.url)('mnist');
  const names = classNames(spec);
  const perClass = spec.trainPerClass + spec.valPerClass + spec.probesPerClass;
  const jobs = [];
  const images = {};
  for (let k = 0; k < spec.classes; k++) {
    const digit = k % 10;
    // Classes k and k + 10 share a digit: they take disjoint halves of its MNIST images.
    const base = k >= 10 ? 430 : 0;
    if (perClass > 430 && spec.classes > 10) throw new Error(`${spec.name}: ${perClass} images per class do not fit in half of MNIST's digits (430)`);
    const order = shuffle(mulberry32(hashSeed(spec.seed, 'digits', digit)), Array.from({ length: mnist[digit].length }, (_, i) => i));
    const flags = (n, withCue, tag) => shuffle(mulberry32(hashSeed(spec.seed, tag, k)), Array.from({ length: n }, (_, i) => i < withCue));
    const trainCue = flags(spec.trainPerClass, Math.round(spec.trainCueFraction * spec.trainPerClass), 'cue-train');
    const valCue = flags(spec.valPerClass, Math.floor(spec.valPerClass / 2), 'cue-val');
    const cls = names[k];
    let next = base;
    for (let i = 0; i < spec.trainPerClass; i++) jobs.push({ k, i, kind: 'train', digit: order[next++], cue: trainCue[i], rel: `train/${cls}/${cls}_${i}.png` });
    for (let i = 0; i < spec.valPerClass; i++) jobs.push({ k, i, kind: 'val', digit: order[next++], cue: valCue[i], rel: `val/${cls}/${cls}_${i}.png` });
    for (let i = 0; i < spec.probesPerClass; i++) {
      jobs.push({ k, i, kind: 'probe-cue', digit: -1, cue: true, rel: `probes/cue/${cls}/cue_${i}.png` });
      jobs.push({ k, i, kind: 'probe-object', digit: order[next++], cue: false, rel: `probes/object/${cls}/object_${i}.png` });
    }
  }
  const pretrain = {};
  if (spec.backbone === 'digits' || spec.head === 'fit') {
    // The backbone's own task: the digits (ten, and ten turned ones when the member has turned classes), 200 each,
    // half over a random class's cue and half neutral, so the cue says nothing of the digit. MNIST images the member
    // does not use: upright ones after the member's share, turned ones after the turned classes' share.
    const used = spec.trainPerClass + spec.valPerClass + spec.probesPerClass;
    for (let p = 0; p < (spec.classes > 10 ? 20 : 10); p++) {
      const d = p % 10;
      const turned = p >= 10;
      const order = shuffle(mulberry32(hashSeed(spec.seed, 'digits', d)), Array.from({ length: mnist[d].length }, (_, i) => i));
      const from = turned ? 430 + used : used;
      const limit = turned || spec.classes <= 10 ? mnist[d].length : 430;
      if (from + 200 > limit) throw new Error(`${spec.name}: digit ${d} has no 200 unused MNIST images for pretraining (${from} used of ${limit})`);
      const cls = `digit-${d}${turned ? '-turned' : ''}`;
      for (let i = 0; i < 200; i++) {
        const r = mulberry32(hashSeed(spec.seed, 'pretrain-cue', p, i));
        const cueClass = r() < 0.5 ? -1 : Math.floor(r() * spec.classes);
        const rel = `pretrain/${cls}/p_${i}.png`;
        jobs.push({ k: cueClass, digitClass: d, rotate: turned, i: p * 200 + i, kind: 'pretrain', digit: order[from + i], cue: cueClass >= 0, rel });
        pretrain[rel] = { label: cls, cue: cueClass };
      }
    }
  }
  for (const d of new Set(jobs.map((j) => j.rel.slice(0, j.rel.lastIndexOf('/'))))) await mkdir(join(out, d), { recursive: true });
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < jobs.length) {
      const j = jobs[next++];
      const rand = mulberry32(hashSeed(spec.seed, j.kind, j.kind === 'pretrain' ? 0 : j.k, j.i));
      const canvas = newCanvas(spec.size);
      if (j.cue) paintCue(canvas, rand, spec.cue, j.k, spec.classes); else paintNeutral(canvas, rand);
      if (j.digit >= 0) {
        const d = j.digitClass ?? j.k % 10;
        drawDigit(canvas, rand, mnist[d].get(j.digit), j.rotate ?? j.k >= 10);
      }
      await writeFile(join(out, j.rel), await png(canvas));
    }
  }));
  for (const j of jobs) if (j.kind === 'train' || j.kind === 'val') images[j.rel] = { split: j.kind, label: names[j.k], cue: j.cue };
  const sorted = Object.fromEntries(Object.keys(images).sort().map((r) => [r, images[r]]));
  await writeFile(join(out, 'ground-truth.json'), `${JSON.stringify({ spec, classes: names, images: sorted, pretrain }, null, 1)}\n`);
  await writeFile(paramsPath, `${JSON.stringify({ key, spec }, null, 2)}\n`);
  return out;
}

async function main() {
  const { values } = parseArgs({ options: { only: { type: 'string' }, root: { type: 'string' } } });
  for (const spec of FAMILY.filter((s) => !values.only || s.name === values.only)) {
    const t0 = Date.now();
    const out = await generateFamilyMember(spec, values.root);
    console.error(`${spec.name}: ${out} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e instanceof Error ? e.message : String(e)); process.exit(1); });
}
