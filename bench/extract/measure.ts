// Measures extraction throughput: end to end from files (cold cache) versus pure inference on
// pre-decoded tensors with the same model, batch size and threads. Bundled by bench/extract.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { discoverDataset } from '../../src/engine/dataset/discover';
import { extract, DEFAULT_BATCH_SIZE } from '../../src/engine/extract/pipeline';
import { defaultDeps } from '../../src/engine/extract/defaultDeps';
import { hostDecodeThreads } from '../../src/engine/extract/decodeThreads';

interface Args { data: string; model: string; batch: number; threads: number; limit: number }

async function main(a: Args): Promise<void> {
  const deps = defaultDeps;
  const dataset = await discoverDataset(a.data);
  if (a.limit > 0 && dataset.images.length > a.limit) {
    // An even spread over classes and splits rather than the first class only.
    const step = dataset.images.length / a.limit;
    dataset.images = Array.from({ length: a.limit }, (_, i) => dataset.images[Math.floor(i * step)]);
  }
  const n = dataset.images.length;
  console.log(`dataset ${a.data}: ${n} images; model ${a.model}; batch ${a.batch}; threads ${a.threads}`);

  // 1. End to end, cold cache: decode + inference + cache writes, as `spuriosity extract` runs it,
  //    timed from the 'extracting' phase (model session ready) to 'done'.
  const cacheDir = mkdtempSync(join(tmpdir(), 'spl-bench-'));
  let extractStart = 0;
  let extractEnd = 0;
  // The model's idle time between batches shows whether decoding keeps up, whatever else loads the machine.
  let runMs = 0;
  let idleMs = 0;
  let lastEnd = 0;
  const timed: typeof deps = {
    ...deps,
    createModel: async (...args) => {
      const m = await deps.createModel(...args);
      return {
        release: () => m.release(),
        run: async (input, batch, wantSpatial) => {
          const t = performance.now();
          if (lastEnd) idleMs += t - lastEnd;
          const out = await m.run(input, batch, wantSpatial);
          lastEnd = performance.now();
          runMs += lastEnd - t;
          return out;
        },
      };
    },
  };
  const cpu0 = process.cpuUsage();
  const r = await extract({
    dataset, modelPath: a.model, cacheDir, batchSize: a.batch, threads: a.threads, deps: timed,
    onProgress: (p) => {
      if (p.phase === 'extracting' && extractStart === 0) extractStart = performance.now();
      if (p.phase === 'done') extractEnd = performance.now();
    },
  });
  rmSync(cacheDir, { recursive: true, force: true });
  const e2eSeconds = (extractEnd - extractStart) / 1000;
  const e2eRate = r.computed / e2eSeconds;
  console.log(`end to end (cold cache): ${r.computed} images in ${e2eSeconds.toFixed(2)} s = ${e2eRate.toFixed(1)} images/s` +
    ` (whole run incl. model load ${r.seconds.toFixed(2)} s; ${r.failures.length} failed)`);
  const cpu = process.cpuUsage(cpu0);
  console.log(`  model busy ${(runMs / 1000).toFixed(2)} s, idle between batches ${(idleMs / 1000).toFixed(2)} s (${(100 * idleMs / (runMs + idleMs)).toFixed(1)}%); process CPU ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s; load average ${loadavg()[0].toFixed(1)} on ${availableParallelism()} cores`);

  // 2. Pure inference: the same model, batch and threads over tensors decoded beforehand.
  const { info, adapted } = await deps.loadModel(a.model);
  const pre = info.card.preprocess;
  const size = 3 * pre.crop * pre.crop;
  const pool = Math.min(n, 4 * a.batch);
  const decoded = new Float32Array(pool * size);
  for (let i = 0; i < pool; i++) await deps.decodeInto(r.entries[i].path, pre, decoded, i * size, { pixelLimit: deps.defaultPixelLimit });
  const model = await deps.createModel(adapted, info, { threads: a.threads });
  const batches = Math.ceil(r.computed / a.batch);
  const input = new Float32Array(a.batch * size);
  // No warm-up: the end-to-end figure includes the session's (slower) first run too.
  const cpuPure = process.cpuUsage();
  const t0 = performance.now();
  let images = 0;
  for (let b = 0; b < batches; b++) {
    const count = Math.min(a.batch, r.computed - images);
    for (let j = 0; j < count; j++) {
      const src = ((b * a.batch + j) % pool) * size;
      input.set(decoded.subarray(src, src + size), j * size);
    }
    await model.run(input, count, false);
    images += count;
  }
  const pureSeconds = (performance.now() - t0) / 1000;
  const pureCpu = process.cpuUsage(cpuPure);
  await model.release();
  const pureRate = images / pureSeconds;
  console.log(`pure inference (pre-decoded): ${images} images in ${pureSeconds.toFixed(2)} s = ${pureRate.toFixed(1)} images/s` +
    ` (process CPU ${((pureCpu.user + pureCpu.system) / 1e6).toFixed(1)} s; load average ${loadavg()[0].toFixed(1)})`);
  console.log(`ratio end-to-end / pure inference: ${(100 * e2eRate / pureRate).toFixed(1)}% (target >= 90%)`);
}

function parse(argv: string[]): Args {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const int = (name: string, d: number): number => {
    const v = get(name);
    if (v === undefined) return d;
    const x = Number(v);
    if (!Number.isInteger(x) || x < 0) throw new Error(`--${name} must be a non-negative integer, got "${v}"`);
    return x;
  };
  return {
    data: get('data') ?? 'demo-data/spurious-mnist',
    model: get('model') ?? 'models/demo/spurious-mnist.onnx',
    batch: int('batch', DEFAULT_BATCH_SIZE),
    threads: int('threads', defaultDeps.defaultThreads()),
    limit: int('limit', 0),
  };
}

// Like dist/cli.js and dist/extractWorker.js, this entry hosts the pipeline's decode threads.
if (!hostDecodeThreads()) {
  main(parse(process.argv.slice(2))).catch((e: unknown) => {
    console.error(`bench/extract: ${(e as Error).message}`);
    process.exitCode = 1;
  });
}
