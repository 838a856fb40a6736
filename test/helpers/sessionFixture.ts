// A two-class analysis with a planted spurious cue, in memory: class a's object is feature 0, class b's feature 1, and
// feature 2 a background cue in most training images of a and half of its validation images; the model's head leans
// on the cue, so images of a without it are often called b.
import { mulberry32 } from '../../src/core/random';
import { argmaxRows } from '../../src/core/linalg';
import type { Dataset, ImageEntry } from '../../src/engine/dataset/types';
import type { ExtractResult } from '../../src/engine/extract/types';
import type { ModelInfo } from '../../src/engine/model/types';

/** The fixture's dataset and extraction (features and logits of the model's own head); `labels` are the model's class labels. */
export function cueFixture(labels = ['a', 'b']): { dataset: Dataset; extraction: ExtractResult } {
  const r = mulberry32(7);
  const rng = () => r.next();
  const entries: ImageEntry[] = [];
  const rows: number[][] = [];
  const add = (label: string, split: 'train' | 'val', i: number, cue: boolean) => {
    const obj = 0.6 + 0.4 * rng();
    const noise = () => 0.05 * rng();
    rows.push(label === 'a' ? [obj, noise(), cue ? 1 + rng() : noise()] : [noise(), obj, cue ? 1 + rng() : noise()]);
    entries.push({ path: `/d/${split}/${label}/${i}.png`, rel: `${split}/${label}/${i}.png`, label, split, size: 1, mtimeMs: 1 });
  };
  for (const label of ['a', 'b']) {
    for (let i = 0; i < 40; i++) add(label, 'train', i, label === 'a' && i < 36);
    for (let i = 0; i < 20; i++) add(label, 'val', i, label === 'a' && i < 10);
  }
  const features = Float32Array.from(rows.flat());
  const logits = new Float32Array(rows.length * 2);
  rows.forEach((x, i) => {
    logits[2 * i] = 0.5 * x[0] + x[2];
    logits[2 * i + 1] = x[1] + 0.6;
  });
  const model: ModelInfo = {
    path: '/m/model.onnx', sha256: 'ab'.repeat(32), inputName: 'input', pooledOutput: 'p', logitsOutput: 'l', spatialOutput: null,
    dim: 3, classes: 2, spatialShape: null, headWeight: Float32Array.from([0.5, 0, 1.0, 0, 1.0, 0]), headBias: Float32Array.from([0, 0.6]),
    card: { preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] } }, labels,
  };
  const dataset: Dataset = { root: '/d', layout: 'imagefolder-splits', validationSource: 'val', classes: ['a', 'b'], images: entries, skipped: [] };
  const predicted = argmaxRows({ rows: entries.length, cols: 2, data: logits });
  return { dataset, extraction: { model, entries, features, logits, predicted, failures: [], skipped: [], cacheHits: 0, computed: entries.length, seconds: 0 } };
}
