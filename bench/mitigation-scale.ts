// `node --import tsx bench/mitigation-scale.ts [--rows 8192] [--dim 2048] [--classes 1000] [--iters 10] [--threads 2] [--no-write]`
// What the L-BFGS fine-tuner costs at ImageNet's shape: one loss-gradient evaluation (what every L-BFGS iteration
// needs, plus line-search retries) in plain JavaScript (core softmaxCrossEntropy) and in ONNX Runtime (the
// loss-gradient graph), and a short L-BFGS run through mitigateOrt, on random features; both scale linearly in the
// rows, so the figures are projected to 100,000 x 2,048 -> 1,000. Writes its section into BENCHMARKS.md.
import { availableParallelism, loadavg } from 'node:os';
import { softmaxCrossEntropy } from '../src/core/softmaxLoss';
import { mulberry32 } from '../src/core/random';
import type { LinearHead, Matrix } from '../src/core/types';
import { OrtHeadTrainer } from '../src/engine/train/ortHeadTrainer';
import { mitigateOrt } from '../src/engine/train/ortMitigate';
import { tuneProblem } from '../src/engine/train/tuneProblem';
import { numArg, peakRssMB } from './lib/args';
import { writeBenchmarksSection } from './lib/benchmarksSection';

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const N = numArg(argv, 'rows', 8192);
  const D = numArg(argv, 'dim', 2048);
  const C = numArg(argv, 'classes', 1000);
  const iters = numArg(argv, 'iters', 10);
  const threads = numArg(argv, 'threads', 2);
  const rng = mulberry32(1);
  const V = 1000;
  const features: Matrix = { rows: N + V, cols: D, data: Float32Array.from({ length: (N + V) * D }, () => rng.next()) };
  const labels = Int32Array.from({ length: N + V }, () => Math.floor(rng.next() * C));
  const head: LinearHead = { classes: C, dim: D, weight: Float32Array.from({ length: C * D }, () => 0.02 * (rng.next() - 0.5)), bias: new Float32Array(C) };
  const tuning = Int32Array.from({ length: N }, (_, i) => i);
  const time = async (f: () => unknown): Promise<number> => { const t = performance.now(); await f(); return (performance.now() - t) / 1000; };

  const jsEval = await time(() => softmaxCrossEntropy(features, labels, head, tuning));
  const trainer = OrtHeadTrainer.create(head, { threads });
  await trainer.lossGrad(features, labels, tuning, head); // session creation out of the timing
  const ortEval = await time(() => trainer.lossGrad(features, labels, tuning, head));
  await trainer.release();
  const valImages = Int32Array.from({ length: V }, (_, i) => N + i);
  const problem = tuneProblem(features, labels, tuning, valImages, new Array(C).fill(null), 10, head);
  let evaluations = 0;
  const run = await time(async () => {
    const r = await mitigateOrt(problem, { maxIter: iters, pullStart: 0, l2Pull: 1e-4, threshold: -1, threads, onEpoch: () => { evaluations++; } });
    evaluations = r.after.steps ?? 0;
  });
  const scale = 100_000 / N;
  const lines = [
    `${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores; random features, ${N.toLocaleString('en-US')} tuning rows x ${D} features -> ${C} classes, ONNX Runtime with ${threads} threads.`,
    '',
    '| what | measured | projected to 100,000 rows |',
    '|---|---:|---:|',
    `| one loss-gradient evaluation, plain JavaScript (core softmaxCrossEntropy) | ${jsEval.toFixed(2)} s | ${(jsEval * scale / 60).toFixed(1)} min |`,
    `| one loss-gradient evaluation, ONNX Runtime (buildLossGradGraph) | ${ortEval.toFixed(2)} s | ${(ortEval * scale).toFixed(0)} s |`,
    `| ${evaluations} L-BFGS iterations through mitigateOrt (incl. line search, 2 gap checks) | ${run.toFixed(1)} s | ${(run * scale / 60).toFixed(1)} min |`,
    '',
    `JavaScript / ONNX Runtime per evaluation: ${(jsEval / ortEval).toFixed(1)}x. A default run (at most 300 iterations) at 100,000 rows would take about`,
    `${(300 * jsEval * scale / 3600).toFixed(1)} h in JavaScript and ${(300 * ortEval * scale / 60).toFixed(0)} min in ONNX Runtime, so tuneHead sends problems from tuning images x features x classes >= 2^26`,
    `to ONNX Runtime (the CLI in its process, the extension in its child). Peak RSS ${Math.round(peakRssMB())} MB (features ${((N + V) * D * 4 / 2 ** 20).toFixed(0)} MB).`,
  ];
  console.log(lines.join('\n'));
  if (!argv.includes('--no-write')) console.log(`\nwrote ${writeBenchmarksSection('mitigation-scale', 'L-BFGS fine-tuning at ImageNet shape (`bench/mitigation-scale.ts`)', lines)}`);
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
