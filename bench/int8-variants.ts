// What costs int8 fidelity (issue 16): the same model and images extracted in float32 once, then in int8 with each
// quantizer variant (calibration min/max or percentile; depthwise convolutions or the last layers kept in float32),
// each compared with float32 as `npm run bench:int8` compares (engine/analysis/int8Fidelity). A variant's model is
// built with int8ModelBytes({ variant }) and put where --precision int8 finds its cached model, so the extraction
// itself is the product's. Prints one JSON line per variant.
//
//   node --import tsx bench/int8-variants.ts --model .bench/mobilenetv2.onnx --data .bench/images-160
//        [--variants minmax,p99.99,p99.9,dw,last3,p99.99+dw] [--threads 2]
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { int8Fidelity } from '../src/engine/analysis/int8Fidelity';
import { discoverDataset } from '../src/engine/dataset/discover';
import { defaultDeps } from '../src/engine/extract/defaultDeps';
import { extract } from '../src/engine/extract/pipeline';
import { choosePrecision, int8BuildDeps } from '../src/engine/extract/precision';
import { INT8_MODEL_FILE, int8ModelBytes, type QuantizerVariant } from '../src/engine/model/quantize/int8Model';
import { numArg, strArg } from './lib/args';

// int8 is what this measures: on AVX2 without VNNI opt into 7-bit weights, as bench:int8 does.
process.env.SPURIOSITY_INT8_WITHOUT_VNNI ??= '1';

/** A variant's name to its quantizer choices: minmax, pNN.NN (percentile), dw (depthwise float32), lastN, joined by '+'. */
function parseVariant(name: string): QuantizerVariant {
  const v: QuantizerVariant = {};
  for (const part of name.split('+')) {
    if (part === 'minmax') continue;
    else if (/^p\d+(\.\d+)?$/.test(part)) v.calibration = { kind: 'percentile', percentile: Number(part.slice(1)) };
    else if (part === 'dw') v.keepDepthwise = true;
    else if (/^last\d+$/.test(part)) v.keepLast = Number(part.slice(4));
    else throw new Error(`unknown variant part "${part}" in "${name}" (valid: minmax, pNN.N, dw, lastN)`);
  }
  return v;
}

async function main(argv: string[]): Promise<void> {
  const modelPath = resolve(strArg(argv, 'model', '.bench/mobilenetv2.onnx'));
  const data = resolve(strArg(argv, 'data', '.bench/images-160'));
  const threads = numArg(argv, 'threads', 2);
  const variants = strArg(argv, 'variants', 'minmax,p99.99,p99.9,dw,last3,p99.99+dw').split(',').filter(Boolean);
  const plans = variants.map((v) => [v, parseVariant(v)] as const);
  const dataset = await discoverDataset(data);
  const cache = resolve(`.bench/int8-variants-${basename(modelPath, '.onnx')}`);
  const base = { dataset, modelPath, cacheDir: cache, threads };
  const f = await extract({ ...base, precision: 'float32' });
  const { info, adapted } = await defaultDeps.loadModel(modelPath);
  const choice = await choosePrecision('int8', info, dataset.images);
  if (!choice.target) throw new Error(choice.info.notice ?? 'int8 unavailable');
  const folder = join(cache, choice.target.featureKey);
  for (const [name, variant] of plans) {
    const t0 = performance.now();
    const scratch = join(cache, `build-${name}`);
    rmSync(scratch, { recursive: true, force: true });
    const built = await int8ModelBytes({ adapted, info, target: choice.target, cacheRoot: scratch, threads, pixelLimit: defaultDeps.defaultPixelLimit, deps: int8BuildDeps(defaultDeps.decodeInto), variant });
    rmSync(scratch, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, INT8_MODEL_FILE), built.bytes);
    const q = await extract({ ...base, precision: 'int8' });
    if (q.model.precision?.used !== 'int8') throw new Error(`${name}: int8 did not run: ${q.model.precision?.notice}`);
    const fid = await int8Fidelity(dataset, f, q, { labelTop: 1 });
    console.log(JSON.stringify({
      model: basename(modelPath), images: f.entries.length, variant: name,
      medianSpearmanVal: +fid.medianSpearmanVal.toFixed(3), medianSpearmanTrain: +fid.medianSpearmanTrain.toFixed(3),
      top5Unchanged: `${fid.top5Unchanged}/${fid.top5Classes}`, gapPoints: [+(100 * fid.gapFloat32).toFixed(1), +(100 * fid.gapInt8).toFixed(1)],
      valAccPoints: [+(100 * fid.valAccFloat32).toFixed(1), +(100 * fid.valAccInt8).toFixed(1)], maxRelativeFeatureError: +fid.maxRelativeFeatureError.toFixed(3),
      int8Seconds: +((performance.now() - t0) / 1000).toFixed(1), load1: +loadavg()[0].toFixed(1),
    }));
  }
}

main(process.argv.slice(2)).catch((e: unknown) => {
  console.error(`bench/int8-variants: ${(e as Error).stack ?? e}`);
  process.exitCode = 1;
});
