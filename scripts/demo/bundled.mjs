// The demo generator as the installed extension runs it (dist/demoGenerator.js, a child process): the mnist package
// is a development dependency (41 MB) and is not in the .vsix, so the digits the default demo draws are packed at
// build time into dist/demo/digits.json.gz (packDigits) and served from there. With the default options the output is
// byte-identical to `npm run demo`'s dataset: the same digit indices, the same values, the same recipe hash.
//
//   node dist/demoGenerator.js --out DIR      (prints "progress <done> <total>" lines, then "done <dir>")
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { CLASSES, DEFAULTS, generateDemoDataset, recipeHash } from './generate-dataset.mjs';
import { hashSeed, mulberry32, shuffle } from './lib/prng.mjs';

const SIDE = 28 * 28;

/** Packs the digits the default demo (DEFAULTS, seed 1) draws into `file`: per class the indices and their pixels as uint16 thousandths. */
export function packDigits(file) {
  const mnist = createRequire(import.meta.url)('mnist');
  const perClass = DEFAULTS.trainPerClass + DEFAULTS.valPerClass + DEFAULTS.probesPerClass;
  const classes = CLASSES.map((_, k) => {
    const available = mnist[k].length;
    // the generator's own choice of digits for seed 1 (generate-dataset.mjs: order = shuffle(..., 'digits', k))
    const order = shuffle(mulberry32(hashSeed(DEFAULTS.seed, 'digits', k)), Array.from({ length: available }, (_, i) => i)).slice(0, perClass);
    const px = new Uint16Array(order.length * SIDE);
    order.forEach((d, j) => mnist[k].get(d).forEach((v, i) => { px[j * SIDE + i] = Math.round(v * 1000); }));
    return { length: available, indices: order, pixels: Buffer.from(px.buffer).toString('base64') };
  });
  const pack = { mnistVersion: createRequire(import.meta.url)('mnist/package.json').version, recipe: recipeHash(), seed: DEFAULTS.seed, classes };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, gzipSync(JSON.stringify(pack), { level: 9 }));
}

/** The packed digits as the generator's digit source; asking for an unpacked digit says which options need the repository. */
export function unpackDigits(file) {
  const pack = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8'));
  return {
    mnistVersion: pack.mnistVersion, recipe: pack.recipe,
    classes: pack.classes.map((c, k) => {
      const px = new Uint16Array(Buffer.from(c.pixels, 'base64').buffer.slice(0));
      const at = new Map(c.indices.map((d, j) => [d, j]));
      return {
        length: c.length,
        get(i) {
          const j = at.get(i);
          if (j === undefined) throw new Error(`demo generator: digit ${i} of ${CLASSES[k]} is not packed with the extension; only the default demo (seed ${pack.seed}) can be generated here (npm run demo in the repository makes the others)`);
          return Array.from(px.subarray(j * SIDE, (j + 1) * SIDE), (v) => v / 1000);
        },
      };
    }),
  };
}

/** Child-process entry: generates the default demo into --out from the pack beside this bundle. */
export async function main(argv = process.argv.slice(2)) {
  const at = argv.indexOf('--out');
  const out = at >= 0 ? argv[at + 1] : undefined;
  if (!out) throw new Error('usage: demoGenerator.js --out DIR');
  const digits = unpackDigits(join(__dirname, 'demo', 'digits.json.gz'));
  const dir = await generateDemoDataset({ out, digits, log: (m) => process.stdout.write(`log ${m}\n`) });
  process.stdout.write(`done ${dir}\n`);
}
