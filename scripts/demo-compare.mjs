// `npm run demo:compare`: `spuriosity compare` on the demo benchmark with the bundled model and its variants
// (models/demo/spurious-mnist*.onnx), each labelled from the benchmark's probe images. Separate from `npm run demo`
// so the main demo stays quick.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateDemoDataset } from './demo/generate-dataset.mjs';

const DATA = 'demo-data/spurious-mnist';
// the bundled model first, then its variants (b, c, d)
const models = readdirSync('models/demo').filter((f) => /^spurious-mnist.*\.onnx$/.test(f)).map((f) => f.replace(/\.onnx$/, '')).sort()
  .map((f) => join('models/demo', `${f}.onnx`));
if (models.length < 2) {
  console.error(`demo:compare: found ${models.length} demo model(s) in models/demo; the variants are committed with the repository (see models/README.md)`);
  process.exit(1);
}
await generateDemoDataset({ out: DATA });
const args = ['compare', DATA, ...models.flatMap((m) => ['--model', m]), '--annotate-from-probes'];
console.log(`$ spuriosity ${args.join(' ')}`);
const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
