// Object masks from a foreground segmentation model the user points to (the second source, after a dataset's masks
// folder): an ONNX graph with one image input and one foreground-probability output (N x 1 x H x W, or N x H x W),
// described by its card (`<model>.card.json`: preprocess, input and output names). Run in the job's process (the
// child, in the extension) on the images being scored; its output covers its own centre crop, which is mapped onto
// the classifier's crop and area-averaged onto the map grid like a folder mask.
import { readFile } from 'node:fs/promises';
import { areaAverage } from '../../core/maskScore';
import type { ImageEntry } from '../dataset/types';
import { cropOffset, resizedSize } from '../image/geometry';
import { cardPathFor } from '../model/card';
import type { Preprocess } from '../model/types';
import { RawSession } from '../native/ort';
import { decodeInto, imageSize } from '../native/sharp';
import type { GridMask } from './maskFolder';

/** What the segmenter's card must say. */
export interface SegmenterCard {
  preprocess: Preprocess;
  input: string;
  output: string;
}

/** Reads and checks the segmenter's card; the error names the file and the field. */
export async function readSegmenterCard(modelPath: string): Promise<SegmenterCard> {
  const file = cardPathFor(modelPath);
  let v: Record<string, unknown>;
  try {
    v = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${file}: a segmenter needs a card beside it with { preprocess: { resize, crop, mean, std }, input, output } (${(e as Error).message})`);
  }
  const pre = v.preprocess as Partial<Preprocess> | undefined;
  const ok3 = (a: unknown) => Array.isArray(a) && a.length === 3 && a.every((x) => typeof x === 'number');
  if (!pre || !(Number.isInteger(pre.resize) && Number.isInteger(pre.crop) && pre.crop! >= 1 && pre.resize! >= pre.crop!) || !ok3(pre.mean) || !ok3(pre.std)) {
    throw new Error(`${file}: preprocess must be { resize >= crop >= 1 (integers), mean: [3 numbers], std: [3 numbers] }`);
  }
  if (typeof v.input !== 'string' || typeof v.output !== 'string') throw new Error(`${file}: input and output must name the graph's image input and foreground output`);
  return { preprocess: pre as Preprocess, input: v.input, output: v.output };
}

/** The window of the classifier's crop in the pixels of the segmenter's output for one image. */
function windowInSegmenter(width: number, height: number, pre: Preprocess, seg: Preprocess, outW: number, outH: number) {
  const rc = resizedSize(width, height, pre.resize);
  const cc = cropOffset(rc.width, rc.height, pre.crop);
  const rs = resizedSize(width, height, seg.resize);
  const cs = cropOffset(rs.width, rs.height, seg.crop);
  // image x -> segmenter-resized x -> output pixel; the classifier's crop starts at cc.left of its own resize
  const toOutX = (xImg: number) => ((xImg * rs.width) / width - cs.left) * (outW / seg.crop);
  const toOutY = (yImg: number) => ((yImg * rs.height) / height - cs.top) * (outH / seg.crop);
  const x0 = (cc.left * width) / rc.width;
  const y0 = (cc.top * height) / rc.height;
  const x1 = ((cc.left + pre.crop) * width) / rc.width;
  const y1 = ((cc.top + pre.crop) * height) / rc.height;
  return { left: toOutX(x0), top: toOutY(y0), width: toOutX(x1) - toOutX(x0), height: toOutY(y1) - toOutY(y0) };
}

/** A loaded segmenter: masks for a batch of images on the map grid; release when done. */
export interface Segmenter {
  masks(entries: ImageEntry[], pre: Preprocess, gridW: number, gridH: number): Promise<Map<string, GridMask>>;
  release(): Promise<void>;
}

/** Loads the segmenter (ONNX Runtime session) with its card; images are decoded with its own preprocessing. */
export async function loadSegmenter(modelPath: string, opts: { threads: number; pixelLimit: number; batchSize?: number }): Promise<Segmenter> {
  const card = await readSegmenterCard(modelPath);
  const bytes = new Uint8Array(await readFile(modelPath));
  const session = await RawSession.create(bytes, { threads: opts.threads, label: modelPath });
  const seg = card.preprocess;
  const plane = 3 * seg.crop * seg.crop;
  const batch = Math.max(1, opts.batchSize ?? 16);
  return {
    async masks(entries, pre, gridW, gridH) {
      const out = new Map<string, GridMask>();
      for (let start = 0; start < entries.length; start += batch) {
        const chunk = entries.slice(start, start + batch);
        const input = new Float32Array(chunk.length * plane);
        const sizes: Array<{ width: number; height: number } | null> = [];
        for (let j = 0; j < chunk.length; j++) {
          try {
            await decodeInto(chunk[j].path, seg, input, j * plane, { pixelLimit: opts.pixelLimit });
            sizes.push(await imageSize(chunk[j].path, { pixelLimit: opts.pixelLimit }));
          } catch (e) {
            sizes.push(null);
            out.set(chunk[j].rel, { problem: { rel: chunk[j].rel, file: chunk[j].path, reason: 'no-segmenter-output', message: `${chunk[j].path}: the segmenter could not read it (${(e as Error).message})` } });
          }
        }
        const res = await session.run({ [card.input]: { data: input, dims: [chunk.length, 3, seg.crop, seg.crop] } }, [card.output]);
        const fg = res[card.output];
        const dims = fg.dims;
        const outH = dims[dims.length - 2];
        const outW = dims[dims.length - 1];
        if (dims[0] !== chunk.length || fg.data.length !== chunk.length * outH * outW) {
          throw new Error(`${modelPath}: output ${card.output} has shape [${dims.join(', ')}]; expected one foreground map per image (N x 1 x H x W)`);
        }
        for (let j = 0; j < chunk.length; j++) {
          const size = sizes[j];
          if (!size) continue;
          const prob = Float32Array.from(fg.data.subarray(j * outH * outW, (j + 1) * outH * outW) as Float32Array, (p) => (p < 0 ? 0 : p > 1 ? 1 : p));
          out.set(chunk[j].rel, { mask: areaAverage(prob, outW, outH, windowInSegmenter(size.width, size.height, pre, seg, outW, outH), gridW, gridH) });
        }
      }
      return out;
    },
    release: () => session.release(),
  };
}
