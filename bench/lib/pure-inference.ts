// The ceiling: ONNX Runtime on tensors decoded beforehand, with the product's model adapter, batch and threads.
// Prints one JSON object. Bundled and spawned by bench/run.mjs. --precision int8 runs the model our quantizer makes
// (calibrated on the dataset, as `--precision int8` does; that build is not timed: this is ONNX Runtime's int8 speed).
import { discoverDataset } from '../../src/engine/dataset/discover';
import { defaultDeps } from '../../src/engine/extract/defaultDeps';
import { choosePrecision, modelBytesFor, type Precision } from '../../src/engine/extract/precision';
import { numArg, peakRssMB, strArg } from './args';

async function main(argv: string[]): Promise<void> {
  const data = strArg(argv, 'data', '');
  const modelPath = strArg(argv, 'model', '');
  const batch = numArg(argv, 'batch', 16);
  const threads = numArg(argv, 'threads', 2);
  const dataset = await discoverDataset(data);
  const images = numArg(argv, 'images', dataset.images.length);
  const { info, adapted: float32 } = await defaultDeps.loadModel(modelPath);
  const precision = strArg(argv, 'precision', 'float32') as Precision;
  const choice = await choosePrecision(precision, info, dataset.images);
  if (precision === 'int8' && choice.info.used !== 'int8') throw new Error(choice.info.notice ?? 'int8 unavailable');
  const { bytes: adapted } = await modelBytesFor(choice, {
    adapted: float32, info, cacheRoot: strArg(argv, 'cache', '.bench/cache-pure-int8'), threads, pixelLimit: defaultDeps.defaultPixelLimit, decodeInto: defaultDeps.decodeInto,
  });
  const pre = info.card.preprocess;
  const size = 3 * pre.crop * pre.crop;
  // A pool of real decoded images, cycled: decoding is what this measurement leaves out.
  const pool = Math.min(dataset.images.length, 4 * batch);
  const decoded = new Float32Array(pool * size);
  for (let i = 0; i < pool; i++) await defaultDeps.decodeInto(dataset.images[i].path, pre, decoded, i * size, { pixelLimit: defaultDeps.defaultPixelLimit });
  const model = await defaultDeps.createModel(adapted, info, { threads });
  const input = new Float32Array(batch * size);
  const t0 = performance.now();
  let done = 0;
  for (let b = 0; done < images; b++) {
    const count = Math.min(batch, images - done);
    for (let j = 0; j < count; j++) {
      const src = ((b * batch + j) % pool) * size;
      input.set(decoded.subarray(src, src + size), j * size);
    }
    await model.run(input, count, false);
    done += count;
  }
  const seconds = (performance.now() - t0) / 1000;
  await model.release();
  console.log(JSON.stringify({ images: done, seconds, imagesPerSecond: done / seconds, batch, threads, precision: choice.info.detail, peakRssMB: peakRssMB() }));
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`bench/pure-inference: ${(e as Error).message}`);
  process.exitCode = 1;
});
