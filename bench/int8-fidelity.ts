// `npm run bench:int8`: fidelity of --precision int8 against float32 on three workloads (issue 16):
//   demo      models/demo/spurious-mnist.onnx on demo-data/spurious-mnist (trained; its labels map onto the head)
//   resnet50  the bench ResNet-50 (seeded random weights) on .bench/images-1000 (a head is fitted: 10 classes)
//   mobilenetv2  torchvision MobileNetV2, seeded weights, BatchNorm statistics from 256 bench images
//             (scripts/bench/export_mobilenetv2.py), on .bench/images-1000
// Each workload: extract float32 and int8 into a fresh cache (int8 includes calibration and quantization), then the
// same analysis on both with the same spurious labels (each class's float32 top-1, then top-5, features): per-class
// Spearman of spuriosity (validation and training splits), top-5 features unchanged, mean gap, val accuracy.
// Results accumulate in .bench/int8-fidelity.json (so workloads can be run one at a time) and the table is written
// into BENCHMARKS.md's int8-fidelity section.
//
//   node --import tsx bench/int8-fidelity.ts [--only demo,resnet50,mobilenetv2] [--images 1000] [--threads 2] [--no-write] [--report-only]
// --images N uses .bench/images-N (same generator, seed 1) for the two bench models, e.g. on a loaded machine.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { discoverDataset } from '../src/engine/dataset/discover';
import { extract } from '../src/engine/extract/pipeline';
import { int8Fidelity, type Int8Fidelity } from '../src/engine/analysis/int8Fidelity';
import { strArg, numArg } from './lib/args';
import { writeBenchmarksSection } from './lib/benchmarksSection';

const argv = process.argv.slice(2);
// int8 is what this benchmark measures: on AVX2 without VNNI (where the product falls back to float32) it opts into
// int8 with 7-bit weights, as a user can with the same variable (docs/int8.md).
process.env.SPURIOSITY_INT8_WITHOUT_VNNI ??= '1';
const WORKLOADS = {
  demo: { model: 'models/demo/spurious-mnist.onnx', data: 'demo-data/spurious-mnist', what: 'demo CNN (trained), 2,500 PNGs, 10 classes, model head' },
  resnet50: { model: '.bench/resnet50.onnx', data: '.bench/images-N', what: 'bench ResNet-50 (seeded random weights), N JPEGs, 10 classes, fitted head' },
  mobilenetv2: { model: '.bench/mobilenetv2.onnx', data: '.bench/images-N', what: 'MobileNetV2 (seeded weights, BatchNorm statistics from 256 bench images), N JPEGs, fitted head' },
} as const;
type Name = keyof typeof WORKLOADS;

interface Row { name: Name; images: number; when: string; precisionDetail: string; secondsFloat32: number; secondsInt8: number; top1: Int8Fidelity; top5: Int8Fidelity }

async function runOne(name: Name, threads: number, images: number): Promise<Row> {
  const w = { ...WORKLOADS[name], data: WORKLOADS[name].data.replace('-N', `-${images}`) };
  if (name !== 'demo' && !existsSync(`${w.data}.complete`)) {
    const r = spawnSync(process.execPath, ['scripts/bench/make_images.mjs', w.data, '--images', String(images)], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('scripts/bench/make_images.mjs failed');
  }
  if (name === 'resnet50' && !existsSync(w.model)) spawnOk(['scripts/bench/export_resnet50.py', w.model]);
  if (name === 'mobilenetv2' && !existsSync(w.model)) spawnOk(['scripts/bench/export_mobilenetv2.py', w.model, '.bench/images-1000']);
  if (name === 'demo' && !existsSync(w.data)) throw new Error('demo-data/spurious-mnist is missing: run `npm run demo` (or node scripts/demo/generate-dataset.mjs) first');
  const cache = resolve(`.bench/int8-cache-${name}`);
  rmSync(cache, { recursive: true, force: true });
  const dataset = await discoverDataset(resolve(w.data));
  const base = { dataset, modelPath: resolve(w.model), cacheDir: cache, threads };
  console.error(`[int8] ${name}: float32 extraction`);
  const f = await extract({ ...base, precision: 'float32' });
  console.error(`[int8] ${name}: int8 extraction (calibration + quantization + inference), ${f.seconds.toFixed(1)} s float32`);
  const q = await extract({ ...base, precision: 'int8' });
  if (q.model.precision?.used !== 'int8') throw new Error(`${name}: int8 did not run: ${q.model.precision?.notice}`);
  const top1 = await int8Fidelity(dataset, f, q, { labelTop: 1 });
  const top5 = await int8Fidelity(dataset, f, q, { labelTop: 5 });
  rmSync(cache, { recursive: true, force: true });
  return { name, images: f.entries.length, when: new Date().toISOString(), precisionDetail: q.model.precision.detail, secondsFloat32: f.seconds, secondsInt8: q.seconds, top1, top5 };
}

function spawnOk(args: string[]): void {
  const r = spawnSync('/usr/bin/python3', args, { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`/usr/bin/python3 ${args.join(' ')} failed (exit ${r.status})`);
}

const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
const pts = (x: number) => (Number.isFinite(x) ? (x * 100).toFixed(2) : 'n/a');
const signed = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}` : 'n/a');
const minOf = (xs: number[]) => Math.min(...xs.filter(Number.isFinite));

function table(rows: Row[]): string[] {
  const out = [
    'Targets (issue 16): median Spearman >= 0.98, top-5 unchanged >= 90% of classes, mean gap within 1 point, val accuracy within 0.5 point (demo).',
    '',
    '| workload | int8 as run | Spearman val, median (min), 1 label / 5 labels | Spearman train, median, 1 / 5 | top-5 unchanged | mean gap f32 -> int8 (points, 1 label) | val acc f32 -> int8 (points) | max feature error (share of range) | extract s f32 / int8 (in-process) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const a = r.top1, b = r.top5;
    out.push(`| ${r.name}: ${WORKLOADS[r.name].what.replace('N JPEGs', `${(r.images ?? 0).toLocaleString('en-US')} JPEGs`)} | ${r.precisionDetail} | ${f3(a.medianSpearmanVal)} (${f3(minOf(a.spearmanVal))}) / ${f3(b.medianSpearmanVal)} (${f3(minOf(b.spearmanVal))}) | ${f3(a.medianSpearmanTrain)} / ${f3(b.medianSpearmanTrain)} | ${a.top5Unchanged}/${a.top5Classes} | ${pts(a.gapFloat32)} -> ${pts(a.gapInt8)} (${signed(a.gapInt8 - a.gapFloat32)}) | ${pts(a.valAccFloat32)} -> ${pts(a.valAccInt8)} (${signed(a.valAccInt8 - a.valAccFloat32)}) | ${f3(a.maxRelativeFeatureError)} | ${r.secondsFloat32.toFixed(1)} / ${r.secondsInt8.toFixed(1)} |`);
  }
  return out;
}

async function main(): Promise<void> {
  const only = strArg(argv, 'only', Object.keys(WORKLOADS).join(',')).split(',') as Name[];
  for (const o of only) if (!(o in WORKLOADS)) throw new Error(`--only: unknown workload "${o}"; valid: ${Object.keys(WORKLOADS).join(', ')}`);
  const threads = numArg(argv, 'threads', 2);
  const images = numArg(argv, 'images', 1000);
  const store = resolve('.bench/int8-fidelity.json');
  const rows: Partial<Record<Name, Row>> = existsSync(store) ? JSON.parse(readFileSync(store, 'utf8')) : {};
  // --report-only: rewrite the BENCHMARKS.md table from .bench/int8-fidelity.json without measuring.
  for (const name of argv.includes('--report-only') ? [] : only) {
    rows[name] = await runOne(name, threads, images);
    writeFileSync(store, JSON.stringify(rows, null, 1));
    console.log(table([rows[name]!]).slice(2).join('\n'));
  }
  const all = (Object.keys(WORKLOADS) as Name[]).map((n) => rows[n]).filter((r): r is Row => !!r);
  if (!argv.includes('--no-write')) {
    writeBenchmarksSection('int8-fidelity', 'int8 extraction: fidelity against float32 (`npm run bench:int8`)', table(all));
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
