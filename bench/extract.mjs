// Extraction benchmark: images/s end to end (cold cache) vs pure inference on pre-decoded
// tensors, same model, batch and threads; prints figures, asserts nothing.
//
//   npm run build && node bench/extract.mjs [--data DIR] [--model M.onnx] [--batch N] [--threads N] [--limit N]
//
// Defaults: the demo dataset (node scripts/demo/generate-dataset.mjs) and the demo model. For
// ResNet-50, pass --model path/to/resnet50.onnx (and --limit 400 or so: ~18 images/s on 2 cores).
// The measuring code (bench/extract/measure.ts) is bundled with the product's esbuild settings
// into .bench/ so it runs the same engine code as dist/.
import * as esbuild from 'esbuild';
import { existsSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const arg = (name, d) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : d;
};
const data = arg('data', 'demo-data/spurious-mnist');
const model = arg('model', 'models/demo/spurious-mnist.onnx');
if (!existsSync('dist/cli.js')) console.warn('bench/extract: dist/ is missing; run `npm run build` first (the benchmark bundles its own copy of the engine either way)');
if (!existsSync(data)) {
  console.error(`bench/extract: dataset ${data} not found; generate it with \`node scripts/demo/generate-dataset.mjs\` or pass --data DIR`);
  process.exit(1);
}
if (!existsSync(model)) {
  console.error(`bench/extract: model ${model} not found; pass --model M.onnx`);
  process.exit(1);
}
mkdirSync('.bench', { recursive: true });
await esbuild.build({
  entryPoints: { 'extract-measure': 'bench/extract/measure.ts' }, outdir: '.bench', bundle: true, platform: 'node', format: 'cjs',
  target: 'node20', external: ['onnxruntime-node', 'sharp'], logLevel: 'warning',
});
const r = spawnSync(process.execPath, ['.bench/extract-measure.js', ...args], { stdio: 'inherit' });
process.exit(r.status ?? 1);
