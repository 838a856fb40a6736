// One epoch of linear-head SGD (momentum 0.9, batch 128) on random features with the ONNX Runtime trainer, the
// same work as scripts/bench/reference_pytorch.py tune. Prints one JSON object. Bundled and spawned by bench/run.mjs.
import { mulberry32, shuffleInPlace } from '../../src/core/random';
import type { LinearHead } from '../../src/core/types';
import { OrtHeadTrainer } from '../../src/engine/train/ortHeadTrainer';
import { numArg, peakRssMB } from './args';

async function main(argv: string[]): Promise<void> {
  const rows = numArg(argv, 'rows', 100_000);
  const dim = numArg(argv, 'dim', 2048);
  const classes = numArg(argv, 'classes', 1000);
  const batch = numArg(argv, 'batch', 128);
  const threads = numArg(argv, 'threads', 2);
  const lr = numArg(argv, 'lr', 0.01);
  const momentum = numArg(argv, 'momentum', 0.9);
  const seed = numArg(argv, 'seed', 0);
  const stepsPerRun = numArg(argv, 'steps-per-run', 4);
  let t = performance.now();
  const data = new Float32Array(rows * dim);
  // Uniform [0, 1) like torch.rand; an inline LCG because 200M values through a PRNG object take seconds.
  let s = seed | 0;
  for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) | 0; data[i] = (s >>> 8) / 16777216; }
  const labels = Int32Array.from({ length: rows }, (_, i) => i % classes);
  const order = shuffleInPlace(mulberry32(seed), Int32Array.from({ length: rows }, (_, i) => i));
  const generateSeconds = (performance.now() - t) / 1000;
  // nn.Linear's default init, U(-1/sqrt(dim), 1/sqrt(dim)), so the loss starts where PyTorch's does.
  const rng = mulberry32(seed + 1);
  const bound = 1 / Math.sqrt(dim);
  const head: LinearHead = {
    classes, dim,
    weight: Float32Array.from({ length: classes * dim }, () => (2 * rng.next() - 1) * bound),
    bias: Float32Array.from({ length: classes }, () => (2 * rng.next() - 1) * bound),
  };
  // Timed from here, like the reference: trainer and session creation count.
  t = performance.now();
  const trainer = OrtHeadTrainer.create(head, { threads, stepsPerRun });
  const meanLoss = await trainer.trainEpoch({ rows, cols: dim, data }, labels, head, order, { lr, batch, momentum });
  const seconds = (performance.now() - t) / 1000;
  await trainer.release();
  const steps = Math.ceil(rows / batch);
  console.log(JSON.stringify({ rows, dim, classes, batch, steps, seconds, meanLoss, gflops: (4 * rows * dim * classes) / seconds / 1e9, generateSeconds, threads, stepsPerRun, peakRssMB: peakRssMB() }));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`bench/tune-ort: ${(e as Error).message}`);
  process.exitCode = 1;
});
