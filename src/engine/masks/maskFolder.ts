// Object masks that come with a dataset: a folder mirroring the image tree, `<masks>/<rel's folder>/<stem>.png` per
// image (Waterbirds, CUB and COCO-derived sets ship them). Any 8-bit or 1-bit mask: values 0..255 are a soft foreground
// (v / 255), a mask whose values are only 0 and 1 is binary. A mask of another resolution than its image is resized to
// it (the model's centre crop is mapped into the mask's pixels and area-averaged onto the map grid); one whose aspect
// ratio differs cannot be of the same picture and is reported. Problems name the file and never stop the run.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { areaAverage, type MaskWindow } from '../../core/maskScore';
import type { ImageEntry } from '../dataset/types';
import { cropOffset, resizedSize } from '../image/geometry';
import type { Preprocess } from '../model/types';
import { decodeMaskGray, imageSize, type DecodeOptions } from '../native/sharp';

/** Why an image has no usable mask. */
export type MaskProblemReason = 'missing' | 'unreadable' | 'size-mismatch' | 'no-segmenter-output';

/** An image without a usable mask: the image, the mask file, the reason and a message naming the file. */
export interface MaskProblem {
  rel: string;
  file: string;
  reason: MaskProblemReason;
  message: string;
}

/** A mask on the map grid (row-major, values in [0, 1]), or why there is none. */
export type GridMask = { mask: Float32Array } | { problem: MaskProblem };

/** The mask file of an image: `<masksDir>/<rel without its extension>.png`. */
export function maskFileFor(masksDir: string, rel: string): string {
  const dot = rel.lastIndexOf('.');
  const slash = rel.lastIndexOf('/');
  const stem = dot > slash ? rel.slice(0, dot) : rel;
  return join(masksDir, ...`${stem}.png`.split('/'));
}

/**
 * Where the model's centre crop of a width x height image lies in the pixels of a maskW x maskH picture of the same
 * image (the same geometry decoding uses: shorter side to pre.resize, centre crop pre.crop).
 */
export function cropWindowIn(width: number, height: number, pre: Pick<Preprocess, 'resize' | 'crop'>, maskW: number, maskH: number): MaskWindow {
  const r = resizedSize(width, height, pre.resize);
  const { top, left } = cropOffset(r.width, r.height, pre.crop);
  const sx = maskW / r.width;
  const sy = maskH / r.height;
  return { left: left * sx, top: top * sy, width: pre.crop * sx, height: pre.crop * sy };
}

/** Largest relative difference of aspect ratios still taken for the same picture (rounding of a resized mask). */
const ASPECT_TOLERANCE = 0.02;

/** Mask bytes to [0, 1]: a mask holding only 0 and 1 is binary, anything else is v / 255. */
export function maskValues(data: Uint8Array): Float32Array {
  let max = 0;
  for (let i = 0; i < data.length; i++) if (data[i] > max) max = data[i];
  const scale = max <= 1 ? 1 : 1 / 255;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i] * scale;
  return out;
}

/** Reads an image's mask from the folder and brings it onto the gridW x gridH map grid of the model's crop. */
export async function folderMask(entry: ImageEntry, masksDir: string, pre: Preprocess, gridW: number, gridH: number, decode: DecodeOptions): Promise<GridMask> {
  const file = maskFileFor(masksDir, entry.rel);
  const problem = (reason: MaskProblemReason, message: string): GridMask => ({ problem: { rel: entry.rel, file, reason, message: `${file}: ${message}` } });
  try {
    const st = await fsp.stat(file);
    if (!st.isFile()) return problem('unreadable', 'not a regular file');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR'
      ? problem('missing', `no mask for ${entry.rel} (expected this file)`)
      : problem('unreadable', (e as Error).message);
  }
  let decoded: { data: Uint8Array; width: number; height: number };
  let image: { width: number; height: number };
  try {
    decoded = await decodeMaskGray(file, decode);
  } catch (e) {
    return problem('unreadable', `cannot decode the mask (${(e as Error).message.replace(`${file}: `, '')})`);
  }
  try {
    image = await imageSize(entry.path, decode);
  } catch (e) {
    return problem('unreadable', `cannot read the size of its image ${entry.path} (${(e as Error).message})`);
  }
  const ratio = (decoded.width / decoded.height) / (image.width / image.height);
  if (Math.abs(ratio - 1) > ASPECT_TOLERANCE) {
    return problem('size-mismatch', `mask is ${decoded.width}x${decoded.height} but its image ${entry.rel} is ${image.width}x${image.height}: not the same aspect ratio`);
  }
  const win = cropWindowIn(image.width, image.height, pre, decoded.width, decoded.height);
  return { mask: areaAverage(maskValues(decoded.data), decoded.width, decoded.height, win, gridW, gridH) };
}
