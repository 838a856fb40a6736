// `node bench/vit-throughput.mjs [--images 100] [--threads 2] [--batch 16]` (after `npm run build`): extraction speed of
// torchvision's vit_b_16 at 224 px (seeded random weights, opset 14; its adapted graph also outputs the 768 x 14 x 14
// token map, which extraction does not fetch) end to end (`spuriosity extract`, cold cache: decode + inference +
// cache) against pure ONNX Runtime inference on pre-decoded tensors, in the same run as ResNet-50 on the same images.
// Workload in .bench/ (git-ignored): .bench/resnet50.onnx (scripts/bench/export_resnet50.py), .bench/vit_b_16.onnx
// (exported here with Debian's torch), .bench/images-N (scripts/bench/make_images.mjs, seeded ~500x375 JPEGs).
// Writes a BENCHMARKS.md section between <!-- vit-throughput:start --> / <!-- vit-throughput:end -->.
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { makeImages } from '../scripts/bench/make_images.mjs';

const argv = process.argv.slice(2);
const opt = (name, d) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? Number(argv[i + 1]) : d; };
const cfg = { images: opt('images', 100), threads: opt('threads', 2), batch: opt('batch', 16) };
const python = '/usr/bin/python3';
const log = (m) => console.error(`[vit-throughput ${new Date().toISOString().slice(11, 19)}] ${m}`);
if (!existsSync('dist/cli.js')) throw new Error('dist/cli.js is missing: run `npm run build` first');
mkdirSync('.bench', { recursive: true });

const models = { 'ResNet-50': resolve('.bench/resnet50.onnx'), vit_b_16: resolve('.bench/vit_b_16.onnx') };
if (!existsSync(models['ResNet-50'])) {
  const r = spawnSync(python, ['scripts/bench/export_resnet50.py', models['ResNet-50']], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('scripts/bench/export_resnet50.py failed');
}
if (!existsSync(models.vit_b_16)) {
  log('exporting vit_b_16 (seeded random weights, opset 14)');
  const code = `import torch, torchvision\ntorch.manual_seed(0)\nm = torchvision.models.vit_b_16(weights=None).eval()\n` +
    `torch.onnx.export(m, torch.rand(1, 3, 224, 224), '${models.vit_b_16}', opset_version=14, input_names=['input'], output_names=['logits'], ` +
    `dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=True)\n`;
  const r = spawnSync(python, ['-c', code], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('exporting vit_b_16 failed');
}
const data = resolve(`.bench/images-${cfg.images}`);
await makeImages(data, { images: cfg.images, classes: 10, seed: 1, log });
await esbuild.build({ entryPoints: { 'bench-pure': 'bench/lib/pure-inference.ts' }, outdir: '.bench', bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node', 'sharp'], logLevel: 'warning' });

function json(cmd, args) {
  const load = loadavg()[0];
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr.slice(-2000)}`);
  let out;
  try { out = JSON.parse(r.stdout); } catch { out = JSON.parse(r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop()); }
  return { ...out, load };
}

const rows = [];
for (const [name, model] of Object.entries(models)) {
  const cache = resolve('.bench/cache-vit-throughput');
  rmSync(cache, { recursive: true, force: true });
  log(`${name}: ours end to end, cold cache`);
  const ours = json(process.execPath, ['dist/cli.js', 'extract', data, '--model', model, '--cache', cache, '--json', '--threads', String(cfg.threads), '--batch', String(cfg.batch)]);
  rmSync(cache, { recursive: true, force: true });
  log(`${name}: pure ONNX Runtime inference`);
  const pure = json(process.execPath, ['.bench/bench-pure.js', '--data', data, '--model', model, '--batch', String(cfg.batch), '--threads', String(cfg.threads), '--images', String(cfg.images)]);
  const oursRate = ours.cache.computed / ours.seconds;
  rows.push({ name, oursRate, pureRate: pure.imagesPerSecond, loads: [ours.load, pure.load] });
  log(`${name}: ours ${oursRate.toFixed(2)} images/s, pure ${pure.imagesPerSecond.toFixed(2)} images/s`);
}
const lines = [
  `${cfg.images} seeded ~500x375 JPEGs (\`.bench/images-${cfg.images}\`), ${cfg.threads} threads, batch ${cfg.batch}, both models in one run, one after the other.`,
  'Ours: `spuriosity extract --json` with a fresh cache (decode, resize and crop with sharp, inference, cache write), images over',
  'its own time; pure: ONNX Runtime on tensors decoded beforehand (bench/lib/pure-inference.ts), the ceiling. Random weights cost',
  'the same to run as trained ones. The machine is shared: the load average when each run started is given.',
  '',
  '| model | ours end to end, cold cache | pure ONNX Runtime inference | ours / pure | load (ours, pure) |',
  '|---|---:|---:|---:|---|',
  ...rows.map((r) => `| ${r.name} | ${r.oursRate.toFixed(2)} images/s | ${r.pureRate.toFixed(2)} images/s | ${(100 * r.oursRate / r.pureRate).toFixed(1)}% | ${r.loads.map((l) => l.toFixed(1)).join(', ')} |`),
];
console.log(lines.join('\n'));
const md = resolve('BENCHMARKS.md');
const start = '<!-- vit-throughput:start -->';
const end = '<!-- vit-throughput:end -->';
const section = `${start}\n## Extraction speed of a ViT (\`node bench/vit-throughput.mjs\`)\n\nMeasured ${new Date().toISOString().slice(0, 10)}.\n\n${lines.join('\n')}\n${end}`;
const text = readFileSync(md, 'utf8');
const from = text.indexOf(start);
const to = text.indexOf(end, from);
writeFileSync(md, from >= 0 && to >= 0 ? text.slice(0, from) + section + text.slice(to + end.length) : `${text.trimEnd()}\n\n${section}\n`);
