// A decorrelated "pretraining" set for the demo backbone: digits over backgrounds whose cue class is drawn
// independently of the digit (or neutral), so a backbone trained on it learns digit and background features
// as separate neurons, like a large pretrained backbone would. Labels in labels.json: { rel: [digit, cue] },
// cue 10 = neutral. Uses MNIST digits after those the benchmark uses (no overlap with its train/val/probes).
//   node scripts/demo/generate-pretrain.mjs [--out demo-data/spurious-mnist-pretrain] [--seed 1] [--per-class 200]
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { hashSeed, mulberry32, shuffle } from './lib/prng.mjs';
import { DEFAULT_CUE_STYLE, SIZE, drawDigit, newCanvas, paintCue, paintNeutral, toBytes } from './lib/render.mjs';
import { CLASSES, DEFAULTS } from './generate-dataset.mjs';

const { values } = parseArgs({ options: { out: { type: 'string' }, seed: { type: 'string' }, 'per-class': { type: 'string' } } });
const out = resolve(values.out ?? 'demo-data/spurious-mnist-pretrain');
const seed = Number(values.seed ?? 1);
const perClass = Number(values['per-class'] ?? 200);
const mnist = createRequire(import.meta.url)('mnist');
const skip = DEFAULTS.trainPerClass + DEFAULTS.valPerClass + DEFAULTS.probesPerClass;
const labels = {};
await mkdir(out, { recursive: true });
for (let k = 0; k < CLASSES.length; k++) {
  // Same digit order as the benchmark (same seed), starting after the digits it uses.
  const order = shuffle(mulberry32(hashSeed(seed, 'digits', k)), Array.from({ length: mnist[k].length }, (_, i) => i));
  for (let i = 0; i < perClass; i++) {
    const rand = mulberry32(hashSeed(seed, 'pretrain', k, i));
    const cue = Math.floor(rand() * 11);
    const canvas = newCanvas();
    if (cue < 10) paintCue(canvas, rand, cue, DEFAULT_CUE_STYLE); else paintNeutral(canvas, rand, DEFAULT_CUE_STYLE);
    drawDigit(canvas, rand, mnist[k].get(order[skip + i]));
    const rel = `${CLASSES[k]}_${String(i).padStart(4, '0')}.png`;
    await writeFile(join(out, rel), await sharp(Buffer.from(toBytes(canvas)), { raw: { width: SIZE, height: SIZE, channels: 3 } }).png({ compressionLevel: 9, adaptiveFiltering: false, palette: false }).toBuffer());
    labels[rel] = [k, cue];
  }
}
await writeFile(join(out, 'labels.json'), JSON.stringify(labels) + '\n');
console.error(`wrote ${Object.keys(labels).length} images to ${out}`);
