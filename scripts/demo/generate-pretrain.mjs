// The "pretraining" set for the demo backbone's two branches: MNIST digits over backgrounds that are neutral (share
// --neutral-fraction) or carry a cue class drawn independently of the digit. The shape branch learns digits from the
// neutral images only; the colour branch learns the cue class (10 = neutral) from all of them. Labels in labels.json:
// { rel: [digit, cue] }. Uses MNIST digits after those the benchmark uses (same seed, same digit order, so no overlap
// with its train/val/probes for the default benchmark sizes).
//   node scripts/demo/generate-pretrain.mjs [--out demo-data/spurious-mnist-pretrain] [--seed 1] [--per-class 500]
//        [--neutral-fraction 0.7]
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { hashSeed, mulberry32, shuffle } from './lib/prng.mjs';
import { DEFAULT_CUE_STYLE, SIZE, drawDigit, newCanvas, paintCue, paintNeutral, toBytes } from './lib/render.mjs';
import { CLASSES, DEFAULTS } from './generate-dataset.mjs';

const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string' }, 'per-class': { type: 'string' }, 'neutral-fraction': { type: 'string' } } });
const out = resolve(values.out ?? 'demo-data/spurious-mnist-pretrain');
const seed = Number(values.seed ?? DEFAULTS.seed);
const perClass = Number(values['per-class'] ?? 500);
const neutralFraction = Number(values['neutral-fraction'] ?? 0.7);
if (!Number.isInteger(seed) || seed < 0) throw new Error(`generate-pretrain: --seed must be an integer >= 0, got ${values.seed}`);
if (!Number.isInteger(perClass) || perClass < 1) throw new Error(`generate-pretrain: --per-class must be an integer >= 1, got ${values['per-class']}`);
if (!(neutralFraction >= 0 && neutralFraction <= 1)) throw new Error(`generate-pretrain: --neutral-fraction must be in [0, 1], got ${values['neutral-fraction']}`);
const mnist = createRequire(import.meta.url)('mnist');
const skip = DEFAULTS.trainPerClass + DEFAULTS.valPerClass + DEFAULTS.probesPerClass;
const labels = {};
await mkdir(out, { recursive: true });
for (let k = 0; k < CLASSES.length; k++) {
  if (skip + perClass > mnist[k].length) {
    throw new Error(`generate-pretrain: class ${CLASSES[k]} has ${mnist[k].length} MNIST digits, ${skip} go to the benchmark, so --per-class must be at most ${mnist[k].length - skip}`);
  }
  // Same digit order as the benchmark (same seed), starting after the digits it uses.
  const order = shuffle(mulberry32(hashSeed(seed, 'digits', k)), Array.from({ length: mnist[k].length }, (_, i) => i));
  for (let i = 0; i < perClass; i++) {
    const rand = mulberry32(hashSeed(seed, 'pretrain', k, i));
    const cue = rand() < neutralFraction ? 10 : Math.floor(rand() * 10);
    const canvas = newCanvas();
    if (cue < 10) paintCue(canvas, rand, cue, DEFAULT_CUE_STYLE); else paintNeutral(canvas, rand, DEFAULT_CUE_STYLE);
    drawDigit(canvas, rand, mnist[k].get(order[skip + i]));
    const rel = `${CLASSES[k]}_${String(i).padStart(4, '0')}.png`;
    await writeFile(join(out, rel), await sharp(Buffer.from(toBytes(canvas)), { raw: { width: SIZE, height: SIZE, channels: 3 } }).png({ compressionLevel: 9, adaptiveFiltering: false, palette: false }).toBuffer());
    labels[rel] = [k, cue];
  }
}
await writeFile(join(out, 'labels.json'), JSON.stringify(labels) + '\n');
console.error(`wrote ${Object.keys(labels).length} images to ${out} (${Object.values(labels).filter(([, c]) => c === 10).length} neutral)`);
