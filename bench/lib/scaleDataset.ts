// Writes a planted ImageNet-shaped dataset for `npm run bench:scale` without decoding or running anything:
//   <out>/data/{train,val}/<class>/<j>.png   hard links to one 8x8 PNG per class (a real, viewable image: the gallery
//                                          can make thumbnails of it; 1.33M links cost inodes, not 1.33M files' bytes)
//   <out>/model.onnx + model.card.json      Conv1x1(3->D) -> ReLU -> GlobalAveragePool -> Gemm(C x D): a loadable
//                                          classifier whose head is the planted one (bench/lib/plantedFeatures)
//   <out>/cache/<model sha256>/shard-*.bin  every image's float16 features and float32 logits, in the feature cache's
//                                          own format and shard size, keyed by each link's (path, size, mtime)
// so `spuriosity rank|gap` and the panel find every image in the cache and never decode one. Extraction is not
// what this benchmark measures (BENCHMARKS.md has its speed): 1.33M images at ~14 images/s would be 26 hours.
import { createHash } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { rowsPerShard } from '../../src/engine/cache/featureCache';
import { encodeShardFloat16 } from '../../src/engine/cache/shard';
import { buildModel, node, tensor, value, attr } from '../../test/helpers/onnxBuilder';
import { className, plantedHead, plantedImages, plantedRows, type PlantedImage, type PlantedSpec } from './plantedFeatures';

/** Bump when the layout or the planted recipe changes: an existing workload with another version is rebuilt. */
export const SCALE_RECIPE = 'planted-imagenet/1';

/** Where a generated workload's parts are. */
export interface ScaleWorkload {
  root: string;
  data: string;
  model: string;
  cache: string;
  images: number;
  spec: PlantedSpec;
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** An 8x8 RGB PNG of one colour. */
function tinyPng(r: number, g: number, b: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(8, 0);
  ihdr.writeUInt32BE(8, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(8 * (1 + 8 * 3));
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) raw.set([r, g, b], y * 25 + 1 + x * 3);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** The planted classifier as ONNX bytes. */
function modelBytes(spec: PlantedSpec): Uint8Array {
  const { weight, bias } = plantedHead(spec);
  const D = spec.dim;
  const conv = new Float32Array(D * 3).map((_, i) => ((i * 2654435761) % 1000) / 1000 - 0.5);
  return buildModel({
    inputs: [value('input', ['N', 3, 8, 8])],
    outputs: [value('logits', ['N', spec.classes])],
    initializers: [tensor('convW', [D, 3, 1, 1], conv), tensor('W', [spec.classes, D], weight), tensor('b', [spec.classes], bias)],
    nodes: [
      node('Conv', ['input', 'convW'], ['conv']),
      node('Relu', ['conv'], ['relu']),
      node('GlobalAveragePool', ['relu'], ['pool']),
      node('Flatten', ['pool'], ['pooled'], [attr.i('axis', 1)]),
      node('Gemm', ['pooled', 'W', 'b'], ['logits'], [attr.i('transB', 1)]),
    ],
  });
}

/** Generates (or reuses, when the same recipe and size are already there) the workload under `root`. */
export async function scaleWorkload(root: string, spec: PlantedSpec, log: (s: string) => void = () => undefined): Promise<ScaleWorkload> {
  const images = [...plantedImages(spec)];
  const w: ScaleWorkload = { root, data: join(root, 'data'), model: join(root, 'model.onnx'), cache: join(root, 'cache'), images: images.length, spec };
  const stamp = join(root, 'recipe.json');
  const want = JSON.stringify({ recipe: SCALE_RECIPE, images: images.length, classes: spec.classes, dim: spec.dim, seed: spec.seed });
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return w;
  rmSync(root, { recursive: true, force: true });
  mkdirSync(join(root, 'sources'), { recursive: true });
  const t0 = performance.now();
  // one source image per class, outside the dataset folder, and a hard link per image
  const keyOf: Array<{ size: number; mtimeMs: number }> = [];
  for (let c = 0; c < spec.classes; c++) {
    const src = join(root, 'sources', `${className(c)}.png`);
    writeFileSync(src, tinyPng((c * 37) % 256, (c * 91) % 256, (c * 173) % 256));
    const st = statSync(src);
    keyOf.push({ size: st.size, mtimeMs: st.mtimeMs });
    for (const split of ['train', 'val']) mkdirSync(join(w.data, split, className(c)), { recursive: true });
  }
  const relOf = (im: PlantedImage) => `${im.split}/${className(im.cls)}/${String(im.j).padStart(6, '0')}.png`;
  for (const im of images) linkSync(join(root, 'sources', `${className(im.cls)}.png`), join(w.data, relOf(im)));
  const t1 = performance.now();
  log(`  ${images.length} image links in ${((t1 - t0) / 1000).toFixed(1)} s`);
  const labels = Array.from({ length: spec.classes }, (_, c) => className(c));
  const bytes = modelBytes(spec);
  writeFileSync(w.model, bytes);
  writeFileSync(join(root, 'model.card.json'), JSON.stringify({ name: `planted ImageNet-shaped classifier (${SCALE_RECIPE})`, preprocess: { resize: 8, crop: 8, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }, labels }, null, 2));
  const sha = createHash('sha256').update(bytes).digest('hex');
  const dir = join(w.cache, sha);
  mkdirSync(dir, { recursive: true });
  const meta = { dim: spec.dim, classes: spec.classes };
  const R = rowsPerShard(meta);
  const head = plantedHead(spec);
  const bits = new Uint16Array(R * spec.dim);
  const logits = new Float32Array(R * spec.classes);
  let seq = 1;
  for (let s = 0; s < images.length; s += R) {
    const part = images.slice(s, s + R);
    plantedRows(spec, head, part, null, logits, bits);
    const entries = part.map((im) => ({ rel: relOf(im), ...keyOf[im.cls] }));
    const buf = encodeShardFloat16({ ...meta, entries, failures: [] }, bits, logits);
    writeFileSync(join(dir, `shard-${String(seq++).padStart(8, '0')}.bin`), buf);
  }
  log(`  ${seq - 1} cache shards (${R} rows each) in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  writeFileSync(stamp, want);
  return w;
}
