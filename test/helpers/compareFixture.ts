// The compare tests' fixture: three classes, 10 validation images each (k = 5 at each end) and 4 training images.
// Every fake model has D = 2 features: feature 1 is the cue, its value the image's position in the class, so the
// ranking by spuriosity is that order. Predictions come from the cached logits, so each model's correct images are
// set directly: [high, low] = how many of the 5 highest / 5 lowest validation images it classifies correctly, per class.
import type { Dataset, ImageEntry } from '../../src/engine/dataset/types';
import type { ExtractResult } from '../../src/engine/extract/types';
import type { ModelInfo } from '../../src/engine/model/types';

/** The fixture's class names. */
export const CLASSES = ['a', 'b', 'c'];

/** The fixture's images: per class 4 training and 10 validation images. */
export const entries: ImageEntry[] = [];
for (const label of CLASSES) {
  for (let i = 0; i < 4; i++) entries.push({ path: `/d/train/${label}/${i}.png`, rel: `train/${label}/${i}.png`, label, split: 'train', size: 1, mtimeMs: 1 });
  for (let i = 0; i < 10; i++) entries.push({ path: `/d/val/${label}/${i}.png`, rel: `val/${label}/${i}.png`, label, split: 'val', size: 1, mtimeMs: 1 });
}

/** The fixture's dataset (nothing on disk). */
export const dataset: Dataset = { root: '/d', layout: 'imagefolder-splits', validationSource: 'val', classes: CLASSES, images: entries, skipped: [] };

/** A cached extraction of model /m/<name>.onnx whose per-class [high, low] correct counts are `counts`. */
export function fakeModel(name: string, sha: string, counts: Array<[number, number]>): ExtractResult {
  const n = entries.length;
  const features = new Float32Array(n * 2);
  const logits = new Float32Array(n * 3);
  const predicted = new Int32Array(n);
  entries.forEach((e, i) => {
    const c = CLASSES.indexOf(e.label);
    const pos = Number(e.rel.split('/')[2].split('.')[0]);
    features[2 * i] = 1;
    features[2 * i + 1] = pos;
    const [high, low] = counts[c];
    // positions 0-4 are the low end, 5-9 the high end; the first `low` / `high` of each end are classified correctly
    const ok = e.split === 'train' || (pos < 5 ? pos < low : pos - 5 < high);
    const p = ok ? c : (c + 1) % 3;
    logits[3 * i + p] = 1;
    predicted[i] = p;
  });
  const model: ModelInfo = {
    path: `/m/${name}.onnx`, sha256: sha.repeat(64 / sha.length), inputName: 'input', pooledOutput: 'p', logitsOutput: 'l', spatialOutput: null,
    dim: 2, classes: 3, spatialShape: null, headWeight: new Float32Array(6), headBias: new Float32Array(3),
    card: { preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] } }, labels: CLASSES,
  };
  return { model, entries, features, logits, predicted, failures: [], skipped: [], cacheHits: n, computed: 0, seconds: 0 };
}
