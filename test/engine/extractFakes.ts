// Fake native adapters for pipeline tests: a "decoder" that reads any file's bytes and a
// "model" whose features are a deterministic function of the input tensor.
import { readFile, writeFile, mkdir, stat } from 'node:fs/promises';
import { join, dirname } from 'node:path';
import type { ExtractDeps, InferenceModel } from '../../src/engine/extract/types';
import type { ModelInfo, Preprocess } from '../../src/engine/model/types';
import type { Dataset, ImageEntry } from '../../src/engine/dataset/types';

export const FAKE_DIM = 6;
export const FAKE_CLASSES = 2;
const CROP = 4;
const pre: Preprocess = { resize: CROP, crop: CROP, mean: [0, 0, 0], std: [1, 1, 1] };

/** Error like the real decoder's ImageDecodeError. */
class FakeDecodeError extends Error {
  constructor(readonly path: string, readonly reason: string, detail: string) {
    super(`${path}: ${reason} (${detail})`);
  }
}

export interface FakeOptions {
  /** Milliseconds each model.run takes. */
  runDelayMs?: number;
  /** Called with each batch's size. */
  onRun?(batch: number): void;
  /** Called with each decoded path. */
  onDecode?(path: string): void;
  sha256?: string;
}

/** The fake model's description. */
export function fakeInfo(sha256 = 'fa'.repeat(32)): ModelInfo {
  return {
    path: '/fake/model.onnx', sha256, inputName: 'input', pooledOutput: 'pooled', logitsOutput: 'logits', spatialOutput: 'spatial',
    dim: FAKE_DIM, classes: FAKE_CLASSES, spatialShape: [FAKE_DIM, 2, 2],
    headWeight: new Float32Array(FAKE_DIM * FAKE_CLASSES), headBias: new Float32Array(FAKE_CLASSES),
    card: { preprocess: pre, labels: ['cat', 'dog'] }, labels: ['cat', 'dog'],
  };
}

/** Features the fake model gives an image tensor: feature d = mean of elements k with k % D == d (times 10). */
export function fakeFeatures(input: Float32Array, offset: number): Float32Array {
  const size = 3 * CROP * CROP;
  const f = new Float32Array(FAKE_DIM);
  for (let k = 0; k < size; k++) f[k % FAKE_DIM] += (input[offset + k] * 10) / Math.ceil(size / FAKE_DIM);
  return f;
}

/** Fake adapters; files starting with "BAD" fail as corrupt, empty files as empty. */
export function fakeDeps(o: FakeOptions = {}): ExtractDeps {
  return {
    defaultPixelLimit: 1000,
    defaultThreads: () => 1,
    loadModel: async () => ({ info: fakeInfo(o.sha256), adapted: new Uint8Array(1) }),
    decodeInto: async (path, p, out, offset) => {
      o.onDecode?.(path);
      let bytes: Buffer;
      try {
        bytes = await readFile(path);
      } catch (e) {
        throw new FakeDecodeError(path, 'unreadable', (e as Error).message);
      }
      if (bytes.length === 0) throw new FakeDecodeError(path, 'empty', '0 bytes');
      if (bytes.subarray(0, 3).toString() === 'BAD') throw new FakeDecodeError(path, 'corrupt', 'bad header');
      const size = 3 * p.crop * p.crop;
      for (let k = 0; k < size; k++) out[offset + k] = bytes[k % bytes.length] / 255;
    },
    createModel: async (): Promise<InferenceModel> => ({
      run: async (input, batch, wantSpatial) => {
        o.onRun?.(batch);
        if (o.runDelayMs) await new Promise((r) => setTimeout(r, o.runDelayMs));
        const size = 3 * CROP * CROP;
        const pooled = new Float32Array(batch * FAKE_DIM);
        const logits = new Float32Array(batch * FAKE_CLASSES);
        const spatial = wantSpatial ? new Float32Array(batch * FAKE_DIM * 4) : null;
        for (let j = 0; j < batch; j++) {
          const f = fakeFeatures(input, j * size);
          pooled.set(f, j * FAKE_DIM);
          logits[j * 2] = f[0] - f[1];
          logits[j * 2 + 1] = f[1] - f[0];
          if (spatial) for (let d = 0; d < FAKE_DIM; d++) for (let s = 0; s < 4; s++) spatial[(j * FAKE_DIM + d) * 4 + s] = f[d] * (s + 1);
        }
        return { pooled, logits, spatial };
      },
      release: async () => undefined,
    }),
  };
}

/** Writes n small files with distinct content under root/<label>/ and returns a dataset over them (bad: indices written as corrupt). */
export async function writeFakeDataset(root: string, n: number, bad: number[] = []): Promise<Dataset> {
  const images: ImageEntry[] = [];
  for (let i = 0; i < n; i++) {
    const label = i % 2 === 0 ? 'cat' : 'dog';
    const rel = `${label}/img${String(i).padStart(4, '0')}.png`;
    const path = join(root, rel);
    await mkdir(dirname(path), { recursive: true });
    const content = bad.includes(i) ? Buffer.from('BAD image') : Buffer.from(Array.from({ length: 7 + (i % 5) }, (_, k) => (i * 31 + k * 17 + (label === 'cat' ? 40 : 0)) % 256));
    await writeFile(path, content);
    images.push(await entryOf(root, rel, label));
  }
  images.sort((a, b) => (a.label === b.label ? a.rel.localeCompare(b.rel) : a.label.localeCompare(b.label)));
  return { root, layout: 'imagefolder', validationSource: null, classes: ['cat', 'dog'], images, skipped: [] };
}

/** The ImageEntry of a file on disk now. */
export async function entryOf(root: string, rel: string, label: string): Promise<ImageEntry> {
  const path = join(root, rel);
  const s = await stat(path);
  return { path, rel, label, split: 'train', size: s.size, mtimeMs: s.mtimeMs };
}
