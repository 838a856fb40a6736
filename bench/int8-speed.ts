// int8 vs float32 inference speed, side by side in one process (issue 16): both ONNX Runtime sessions of the same
// model (the float32 adapted model and the one our quantizer makes, calibrated on the dataset as --precision int8
// does) run alternately on the same pre-decoded batches, so a change in the machine's load hits both alike. Prints
// one JSON object with per-round rates, medians, the ratio and the load average before and after.
//
//   node --import tsx bench/int8-speed.ts --data .bench/images-1000 --model .bench/resnet50.onnx [--rounds 7]
//        [--batch 16] [--threads 2] [--weights s8-7bit|s8|u8] [--cache .bench/cache-int8-speed]
// On AVX2 without VNNI it sets SPURIOSITY_INT8_WITHOUT_VNNI=1 itself (7-bit weights, docs/int8.md).
import { loadavg } from 'node:os';
import { discoverDataset } from '../src/engine/dataset/discover';
import { defaultDeps } from '../src/engine/extract/defaultDeps';
import { choosePrecision, modelBytesFor } from '../src/engine/extract/precision';
import { numArg, strArg } from './lib/args';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

// int8 is what this measures: on AVX2 without VNNI (where the product falls back to float32) opt into 7-bit weights.
process.env.SPURIOSITY_INT8_WITHOUT_VNNI ??= '1';

async function main(argv: string[]): Promise<void> {
  const data = strArg(argv, 'data', '.bench/images-1000');
  const modelPath = strArg(argv, 'model', '.bench/resnet50.onnx');
  const batch = numArg(argv, 'batch', 16);
  const threads = numArg(argv, 'threads', 2);
  const rounds = numArg(argv, 'rounds', 7);
  const dataset = await discoverDataset(data);
  const { info, adapted } = await defaultDeps.loadModel(modelPath);
  const choice = await choosePrecision('int8', info, dataset.images);
  if (choice.info.used !== 'int8') throw new Error(choice.info.notice ?? 'int8 unavailable');
  const built = await modelBytesFor(choice, {
    adapted, info, cacheRoot: strArg(argv, 'cache', '.bench/cache-int8-speed'), threads, pixelLimit: defaultDeps.defaultPixelLimit, decodeInto: defaultDeps.decodeInto,
  });
  const pre = info.card.preprocess;
  const size = 3 * pre.crop * pre.crop;
  const input = new Float32Array(batch * size);
  for (let i = 0; i < batch; i++) await defaultDeps.decodeInto(dataset.images[i].path, pre, input, i * size, { pixelLimit: defaultDeps.defaultPixelLimit });
  const f32 = await defaultDeps.createModel(adapted, info, { threads });
  const i8 = await defaultDeps.createModel(built.bytes, info, { threads });
  const loadBefore = loadavg()[0];
  // One warm-up batch each (first runs allocate and pack weights).
  await f32.run(input, batch, false);
  await i8.run(input, batch, false);
  const rate = { float32: [] as number[], int8: [] as number[] };
  for (let r = 0; r < rounds; r++) {
    for (const [name, m] of [['float32', f32], ['int8', i8]] as const) {
      const t0 = performance.now();
      await m.run(input, batch, false);
      rate[name].push(batch / ((performance.now() - t0) / 1000));
    }
  }
  await f32.release();
  await i8.release();
  const mf = median(rate.float32);
  const mi = median(rate.int8);
  console.log(JSON.stringify({
    model: modelPath, precision: choice.info.detail, batch, threads, rounds,
    float32ImagesPerSecond: rate.float32.map((x) => +x.toFixed(2)), int8ImagesPerSecond: rate.int8.map((x) => +x.toFixed(2)),
    medianFloat32: +mf.toFixed(2), medianInt8: +mi.toFixed(2), ratio: +(mi / mf).toFixed(3),
    load1Before: +loadBefore.toFixed(2), load1After: +loadavg()[0].toFixed(2),
  }));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`bench/int8-speed: ${(e as Error).message}`);
  process.exitCode = 1;
});
