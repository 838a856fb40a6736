// `node --import tsx bench/tune-product.ts [--tuning 1024] [--val 512] [--dim 2048] [--classes 1000] [--epochs 2] [--threads 2]`
// The product's fine-tuning on one synthetic problem with both trainers: core's plain-JavaScript mitigate
// (what tuneHead runs for small tuning sets) and mitigateOrt (ONNX Runtime epochs and validation predictions,
// what it runs from ORT_TUNING_MIN_MACS on). Same schedule, batches and evaluations; no rankings, so the gap
// check never stops a run early and both run every epoch. Writes its table into BENCHMARKS.md.
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { mitigate } from '../src/core/mitigate';
import { gapEvaluator } from '../src/core/gapEvaluator';
import { mulberry32 } from '../src/core/random';
import type { LinearHead, Matrix } from '../src/core/types';
import { mitigateOrt } from '../src/engine/train/ortMitigate';
import { tuneProblem } from '../src/engine/train/tuneProblem';
import { ORT_TUNING_MIN_MACS } from '../src/engine/analysis/tune';
import { numArg, peakRssMB } from './lib/args';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const N = numArg(argv, 'tuning', 1024);
  const V = numArg(argv, 'val', 512);
  const D = numArg(argv, 'dim', 2048);
  const C = numArg(argv, 'classes', 1000);
  const epochs = numArg(argv, 'epochs', 2);
  const threads = numArg(argv, 'threads', 2);
  const rng = mulberry32(1);
  const n = N + V;
  const features: Matrix = { rows: n, cols: D, data: Float32Array.from({ length: n * D }, () => rng.next()) };
  const labels = Int32Array.from({ length: n }, () => Math.floor(rng.next() * C));
  const head: LinearHead = { classes: C, dim: D, weight: Float32Array.from({ length: C * D }, () => 0.02 * (rng.next() - 0.5)), bias: new Float32Array(C) };
  const tuning = Int32Array.from({ length: N }, (_, i) => i);
  const valImages = Int32Array.from({ length: V }, (_, i) => N + i);
  const index = { classes: C, train: Array.from({ length: C }, () => new Int32Array(0)), val: Array.from({ length: C }, (_, c) => valImages.filter((i) => labels[i] === c)) };
  const rankings = new Array(C).fill(null);
  const opts = { preset: 'scaled' as const, maxEpochs: epochs, batch: 128, seed: 0 };

  let t0 = performance.now();
  const ort = await mitigateOrt(tuneProblem(features, labels, tuning, Int32Array.from(index.val.flatMap((v) => Array.from(v))), rankings, 10, head), { ...opts, threads });
  const ortSeconds = (performance.now() - t0) / 1000;
  t0 = performance.now();
  const js = await mitigate(features, labels, head, tuning, gapEvaluator(features, labels, index, rankings, 10), opts);
  const jsSeconds = (performance.now() - t0) / 1000;
  let maxDiff = 0;
  for (let i = 0; i < js.head.weight.length; i++) maxDiff = Math.max(maxDiff, Math.abs(js.head.weight[i] - ort.head.weight[i]));
  // Random labels over 1,000 classes: accuracy stays near 0, the training loss shows the runs agree.
  const losses = (r: typeof js) => r.history.slice(1).map((h) => h.trainLoss.toFixed(4)).join(' / ');

  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const lines = [
    `${when} UTC, load average ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).availableParallelism()} cores; ${N} tuning images, ${V} validation images, ${D} features, ${C} classes,`,
    `${epochs} epochs of batch 128 plus ${epochs + 1} evaluations; ONNX Runtime with ${threads} threads. tuneHead switches to ONNX Runtime from`,
    `tuning images x features x classes >= ${ORT_TUNING_MIN_MACS.toLocaleString('en-US')} (this problem: ${(N * D * C).toLocaleString('en-US')}).`,
    '',
    '| trainer | wall time | speed-up | training loss per epoch |',
    '|---|---:|---:|---|',
    `| core mitigate (plain JavaScript) | ${jsSeconds.toFixed(2)} s | 1x | ${losses(js)} |`,
    `| mitigateOrt (ONNX Runtime) | ${ortSeconds.toFixed(2)} s | ${(jsSeconds / ortSeconds).toFixed(1)}x | ${losses(ort)} |`,
    '',
    `Heads after the run differ by at most ${maxDiff.toExponential(1)} per weight; peak RSS of the process ${Math.round(peakRssMB())} MB.`,
  ];
  console.log(lines.join('\n'));
  const md = resolve('BENCHMARKS.md');
  const start = '<!-- tune-product:start -->';
  const end = '<!-- tune-product:end -->';
  const section = `${start}\n## Fine-tuning in the product: JavaScript vs ONNX Runtime (\`bench/tune-product.ts\`)\n\n${lines.join('\n')}\n${end}`;
  const text = existsSync(md) ? readFileSync(md, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  writeFileSync(md, a >= 0 && b > a ? text.slice(0, a) + section + text.slice(b + end.length) : `${text.trimEnd()}\n\n${section}\n`);
  console.log(`\nwrote the table into ${md}`);
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
