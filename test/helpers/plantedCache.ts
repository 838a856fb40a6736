// A planted dataset (bench/lib/plantedFeatures) written straight into a feature cache, with native adapters that only
// load the model description: every image is a cache hit, so extraction decodes nothing and images need not exist.
import { FeatureCache } from '../../src/engine/cache/featureCache';
import type { Dataset, ImageEntry } from '../../src/engine/dataset/types';
import type { ExtractDeps } from '../../src/engine/extract/types';
import type { ModelInfo } from '../../src/engine/model/types';
import { className, plantedHead, plantedImages, plantedRows, type PlantedSpec } from '../../bench/lib/plantedFeatures';

/** Writes the spec's rows as cache shards of `shardRows` and returns the dataset, model and adapters to analyse it. */
export async function plantedCache(cacheDir: string, spec: PlantedSpec, shardRows = 500): Promise<{ dataset: Dataset; model: ModelInfo; deps: ExtractDeps }> {
  const head = plantedHead(spec);
  const labels = Array.from({ length: spec.classes }, (_, c) => className(c));
  const model: ModelInfo = {
    path: '/planted/model.onnx', sha256: 'c0'.repeat(32), inputName: 'input', pooledOutput: 'pooled', logitsOutput: 'logits', spatialOutput: null,
    dim: spec.dim, classes: spec.classes, spatialShape: null, headWeight: head.weight, headBias: head.bias,
    card: { preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] }, labels }, labels,
  };
  const images = [...plantedImages(spec)];
  const entries: ImageEntry[] = images.map((im) => {
    const rel = `${im.split}/${className(im.cls)}/${String(im.j).padStart(6, '0')}.png`;
    return { path: `/planted/${rel}`, rel, label: className(im.cls), split: im.split, size: 100, mtimeMs: 1 };
  });
  const cache = await FeatureCache.open(cacheDir, { sha256: model.sha256, dim: spec.dim, classes: spec.classes }, { shardRows });
  for (let s = 0; s < images.length; s += shardRows) {
    const part = images.slice(s, s + shardRows);
    const pooled = new Float32Array(part.length * spec.dim);
    const logits = new Float32Array(part.length * spec.classes);
    plantedRows(spec, head, part, pooled, logits);
    await cache.writeBatch(entries.slice(s, s + shardRows), pooled, logits);
  }
  const dataset: Dataset = { root: '/planted', layout: 'imagefolder-splits', validationSource: 'val', classes: labels, images: entries, skipped: [] };
  const deps: ExtractDeps = {
    defaultPixelLimit: 1000,
    defaultThreads: () => 1,
    loadModel: async () => ({ info: model, adapted: new Uint8Array(1) }),
    createModel: async () => { throw new Error('plantedCache: every image should be a cache hit'); },
    decodeInto: async (path) => { throw new Error(`plantedCache: ${path} should not be decoded`); },
  };
  return { dataset, model, deps };
}
