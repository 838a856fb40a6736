// Part of `npm run build`: packs the default demo's MNIST digits (dist/demo/digits.json.gz) and bundles the demo
// generator (dist/demoGenerator.js), so an installed .vsix can generate the demo dataset without the repository.
import { existsSync, statSync } from 'node:fs';
import * as esbuild from 'esbuild';
import { packDigits } from './bundled.mjs';

const pack = 'dist/demo/digits.json.gz';
// the pack depends only on the mnist package and the recipe; rebuild it when the generator sources are newer
const sources = ['scripts/demo/bundled.mjs', 'scripts/demo/generate-dataset.mjs', 'scripts/demo/lib/prng.mjs', 'scripts/demo/lib/render.mjs'];
if (!existsSync(pack) || sources.some((s) => statSync(s).mtimeMs > statSync(pack).mtimeMs)) packDigits(pack);
await esbuild.build({
  entryPoints: { demoGenerator: 'scripts/demo/demoGenerator.entry.mjs' }, outdir: 'dist', bundle: true, platform: 'node', format: 'cjs', target: 'node20',
  external: ['sharp'], define: { 'import.meta.url': '"file:///bundled/demoGenerator.js"' }, logLevel: 'warning', legalComments: 'none',
});
