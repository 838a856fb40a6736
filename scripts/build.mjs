// Bundles the four entry points with esbuild. Native modules and `vscode` stay external:
// they are loaded from node_modules at run time (the .vsix ships them pruned to one platform).
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, existsSync } from 'node:fs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'info', legalComments: 'none' };
// The Node bundles always get a source map, and the .vsix ships it (.vscodeignore): a bug's stack in the log then
// names src/ lines (engine/jobs/sourceMappedStack) instead of a column in minified code. Positions only (no
// sources content) in production: about 1 MB for the three instead of several; the webview's map stays out.
const nodeCommon = {
  ...common, sourcemap: true, sourcesContent: !production,
  platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'onnxruntime-node', 'sharp'],
};

const builds = [
  { ...nodeCommon, entryPoints: { extension: 'src/extension/extension.ts' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: { jobWorker: 'src/engine/jobs/worker.ts' }, outdir: 'dist' },
  { ...nodeCommon, entryPoints: { cli: 'src/cli/main.ts' }, outdir: 'dist', banner: { js: '#!/usr/bin/env node' } },
  { ...common, platform: 'browser', format: 'esm', target: 'es2022', entryPoints: { webview: 'src/webview/main.ts' }, outdir: 'dist' },
].filter((b) => Object.values(b.entryPoints).every((p) => existsSync(p)));

mkdirSync('dist/media', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) cpSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/media/${f}`);
// parquet-wasm's Node build (feature stores, bundled) reads its wasm from beside the bundle that requires it
cpSync('node_modules/parquet-wasm/node/parquet_wasm_bg.wasm', 'dist/parquet_wasm_bg.wasm');

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
