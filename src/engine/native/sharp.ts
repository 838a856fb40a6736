// The only file that imports sharp (libvips). It turns image files into the model's
// input tensor the way torchvision's ImageFolder + Resize + CenterCrop + ToTensor +
// Normalize does, and maps every libvips failure onto a small set of reasons.
import type SharpFn from 'sharp';
import type { Sharp } from 'sharp';
import { promises as fsp, constants as fsc } from 'node:fs';
import { dirname } from 'node:path';
import type { Preprocess } from '../model/types';
import { isImageName } from '../dataset/walk';
import { resizeRgbBilinearPil } from '../../core/nam';
import { resizedSize } from '../image/geometry';
import { centerCropRgb, checkPreprocess, writeCropChw, type RgbImage } from '../image/normalise';

let lib: typeof SharpFn | null = null;
/**
 * sharp, loaded on first use: a run whose features are all cached decodes nothing and should not pay libvips'
 * start-up (0.4-0.6 s measured on a loaded 2-core machine, more than the whole warm run may take).
 */
function sharp(...args: Parameters<typeof SharpFn>): Sharp {
  if (!lib) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    lib = require('sharp') as typeof SharpFn;
    // libvips' operation cache only helps when the same file is processed twice, and then it can
    // serve a stale decode of a file edited on disk (a re-written image, a regenerated thumbnail).
    lib.cache(false);
  }
  return lib(...args);
}

/** Why an image could not be decoded. */
export type DecodeFailure = 'empty' | 'corrupt' | 'truncated' | 'too-large' | 'unsupported' | 'unreadable';

/** Thrown for any image that cannot be decoded; `reason` is machine-readable, message names the file. */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(readonly path: string, readonly reason: DecodeFailure, detail: string) {
    super(`${path}: ${reason} (${detail})`);
  }
}

/** Limits applied to every decode. */
export interface DecodeOptions {
  /** Images whose width * height exceeds this are refused as 'too-large' before any pixel is decoded. */
  pixelLimit: number;
}

/** Default pixel limit: 100 megapixels, far above any photo a classifier needs, far below a decompression bomb. */
export const DEFAULT_PIXEL_LIMIT = 100_000_000;

/** Default decode options. */
export const DEFAULT_DECODE_OPTIONS: Readonly<DecodeOptions> = Object.freeze({ pixelLimit: DEFAULT_PIXEL_LIMIT });

function open(path: string, opts: DecodeOptions): Sharp {
  return sharp(path, {
    // 'error' aborts on truncated or corrupt pixel data but lets benign libjpeg warnings
    // ("extraneous bytes before marker") through, as PIL does.
    failOn: 'error',
    limitInputPixels: opts.pixelLimit > 0 ? Math.floor(opts.pixelLimit) : DEFAULT_PIXEL_LIMIT,
    sequentialRead: true,
    pages: 1,
  });
}

/** Decodes `path` to 8-bit sRGB RGB (HWC), EXIF-rotated, with the shorter side resized to `resize`. */
async function decodeResized(path: string, resize: number, opts: DecodeOptions): Promise<RgbImage> {
  try {
    // The header read is cheap and gives the oriented size, so the resize can use torchvision's
    // exact (truncated) output size rather than libvips' rounding.
    const meta = await open(path, opts).metadata();
    const w0 = meta.autoOrient?.width ?? meta.width;
    const h0 = meta.autoOrient?.height ?? meta.height;
    if (!(w0 > 0 && h0 > 0)) throw new Error(`image has no size (${w0}x${h0})`);
    const target = resizedSize(w0, h0, resize);
    let img = open(path, opts).rotate()
      // PIL's convert('RGB') drops alpha without compositing, before the resize; removing it
      // first also keeps libvips from premultiplying (which would darken transparent pixels).
      .removeAlpha()
      .toColourspace('srgb');
    // Upscaling (images smaller than `resize`) is done in JS, bit-exact with Pillow: libvips'
    // bilinear upsampler uses another sampling grid and differs by up to ~50 levels on noise.
    const upscale = target.width >= w0 && target.height >= h0 && (target.width > w0 || target.height > h0);
    if (!upscale && (target.width !== w0 || target.height !== h0)) {
      img = img.resize(target.width, target.height, {
        fit: 'fill',
        // 'linear' is libvips' triangle filter, widened when shrinking, like the antialiased
        // bilinear PIL applies for torchvision's Resize (libvips box-shrinks by an integer factor
        // first on big reductions). JPEG shrink-on-load (DCT scaling) is off: it drifts further
        // from PIL (on a 2000x1500 JPEG the mean error rose from 0.49 to 0.80 levels) for no
        // measurable CPU saving here. Against torchvision 0.14 + PIL on 256/224 preprocessing the
        // result differs by 0.2-0.6 of an 8-bit level on average (max 2 for PNG; up to 9 for JPEG,
        // where the two libjpeg builds' decoders already differ).
        kernel: 'linear',
        fastShrinkOnLoad: false,
      });
    }
    const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, expected 3`);
    if (upscale) return { data: resizeRgbBilinearPil(data, info.width, info.height, target.width, target.height), width: target.width, height: target.height };
    return { data, width: info.width, height: info.height };
  } catch (err) {
    throw await toDecodeError(path, err);
  }
}

/** EXIF-rotate, convert to 8-bit sRGB RGB (grayscale/alpha/CMYK/16-bit handled), resize shorter side to pre.resize, center-crop pre.crop, scale to [0,1], normalise with pre.mean/std, write CHW float32 into out starting at offset. */
export async function decodeInto(path: string, pre: Preprocess, out: Float32Array, offset: number, opts: DecodeOptions): Promise<void> {
  checkPreprocess(pre);
  const plane = pre.crop * pre.crop;
  if (!(offset >= 0 && offset + 3 * plane <= out.length)) {
    throw new RangeError(`decodeInto: output has ${out.length} floats, cannot hold 3x${pre.crop}x${pre.crop} at offset ${offset}`);
  }
  writeCropChw(await decodeResized(path, pre.resize, opts), pre, out, offset);
}

/** Same geometry as decodeInto but returns the cropped 8-bit RGB (HWC) the model saw: the base for heatmap overlays. */
export async function decodeCropRgb(path: string, pre: Preprocess, opts: DecodeOptions): Promise<RgbImage> {
  checkPreprocess(pre);
  return centerCropRgb(await decodeResized(path, pre.resize, opts), pre.crop);
}

/** Writes a thumbnail (longest side `size`, webp) atomically to dest; images already smaller keep their size. */
export async function writeThumbnail(src: string, dest: string, size: number, opts: DecodeOptions): Promise<void> {
  if (!(Number.isInteger(size) && size >= 1 && size <= 4096)) throw new RangeError(`writeThumbnail: size must be an integer in 1..4096 (got ${size})`);
  await fsp.mkdir(dirname(dest), { recursive: true });
  // A reader never sees a half-written thumbnail: write beside the target, then rename over it.
  const tmp = `${dest}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await open(src, opts).rotate().removeAlpha().toColourspace('srgb')
      .resize(size, size, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toFile(tmp);
    await fsp.rename(tmp, dest);
  } catch (err) {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
    throw await toDecodeError(src, err);
  }
}

/** Encodes raw RGB (HWC) as PNG. */
export async function encodePng(rgb: Uint8Array, width: number, height: number): Promise<Buffer> {
  if (!(Number.isInteger(width) && Number.isInteger(height) && width >= 1 && height >= 1) || rgb.length !== width * height * 3) {
    throw new RangeError(`encodePng: expected ${width}x${height}x3 = ${width * height * 3} bytes of RGB, got ${rgb.length}`);
  }
  const buf = Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength);
  return sharp(buf, { raw: { width, height, channels: 3 } }).png().toBuffer();
}

/** A region of an image in its EXIF-oriented pixels. */
export interface RegionBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The EXIF-oriented width and height of an image, from its header (no pixel is decoded). */
export async function imageSize(path: string, opts: DecodeOptions): Promise<{ width: number; height: number }> {
  try {
    const meta = await open(path, opts).metadata();
    const width = meta.autoOrient?.width ?? meta.width;
    const height = meta.autoOrient?.height ?? meta.height;
    if (!(width > 0 && height > 0)) throw new Error(`image has no size (${width}x${height})`);
    return { width, height };
  } catch (err) {
    throw await toDecodeError(path, err);
  }
}

/**
 * Decodes an object mask (any 8-bit or 1-bit PNG/JPEG..., grey, palette or RGB; alpha ignored) to one 8-bit channel,
 * EXIF-oriented: the first channel after conversion to greyscale (automatic feature labeling, engine/masks).
 */
export async function decodeMaskGray(path: string, opts: DecodeOptions): Promise<{ data: Uint8Array; width: number; height: number }> {
  try {
    const { data, info } = await open(path, opts).rotate().removeAlpha().greyscale().extractChannel(0).raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
  } catch (err) {
    throw await toDecodeError(path, err);
  }
}

/** The region of the oriented, 8-bit sRGB image as a sharp pipeline; two passes because libvips' extract after rotate() would cut the unrotated image. */
async function region(path: string, box: RegionBox, opts: DecodeOptions): Promise<Sharp> {
  const full = await open(path, opts).rotate().removeAlpha().toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const { width, height, channels } = full.info;
  const ok = Number.isInteger(box.x) && Number.isInteger(box.y) && Number.isInteger(box.width) && Number.isInteger(box.height) &&
    box.x >= 0 && box.y >= 0 && box.width >= 1 && box.height >= 1 && box.x + box.width <= width && box.y + box.height <= height;
  if (!ok) throw new RangeError(`${path}: region ${JSON.stringify(box)} does not lie inside the ${width}x${height} image`);
  return sharp(full.data, { raw: { width, height, channels } }).extract({ left: box.x, top: box.y, width: box.width, height: box.height });
}

/**
 * Decodes a region of the original image (oriented pixels) and applies the model's standard preprocessing to it as
 * if it were the whole image (resize the shorter side to pre.resize, center-crop pre.crop, normalise), writing CHW
 * float32 at offset: how a core crop is re-classified. The centre crop keeps pre.crop / pre.resize of the square
 * crop's side (224/256: 1/16 dropped at each side), so of the box's 20% growth (10% a side) about 2.5% a side reaches
 * the model; kept on purpose: the model sees a crop exactly as it sees any image, as the paper's pipeline feeds it.
 */
export async function decodeRegionInto(path: string, box: RegionBox, pre: Preprocess, out: Float32Array, offset: number, opts: DecodeOptions): Promise<void> {
  checkPreprocess(pre);
  if (!(offset >= 0 && offset + 3 * pre.crop * pre.crop <= out.length)) {
    throw new RangeError(`decodeRegionInto: output has ${out.length} floats, cannot hold 3x${pre.crop}x${pre.crop} at offset ${offset}`);
  }
  try {
    const target = resizedSize(box.width, box.height, pre.resize);
    const img = await region(path, box, opts);
    const upscale = target.width >= box.width && target.height >= box.height && (target.width > box.width || target.height > box.height);
    let rgb: RgbImage;
    if (upscale) {
      // As decodeResized: Pillow-exact upscaling in JS; core crops of small images are upscaled often.
      const { data, info } = await img.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      rgb = { data: resizeRgbBilinearPil(data, info.width, info.height, target.width, target.height), width: target.width, height: target.height };
    } else {
      const sized = target.width === box.width && target.height === box.height ? img : img.resize(target.width, target.height, { fit: 'fill', kernel: 'linear', fastShrinkOnLoad: false });
      const { data, info } = await sized.raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
      rgb = { data, width: info.width, height: info.height };
    }
    writeCropChw(rgb, pre, out, offset);
  } catch (err) {
    if (err instanceof RangeError) throw err;
    throw await toDecodeError(path, err);
  }
}

/** Encodes a region of the original image at full resolution as JPEG (quality 95) or PNG: an exported core crop. The source is only read. */
export async function encodeRegion(path: string, box: RegionBox, format: 'jpeg' | 'png', opts: DecodeOptions): Promise<Buffer> {
  try {
    const img = await region(path, box, opts);
    return await (format === 'jpeg' ? img.jpeg({ quality: 95 }) : img.png()).toBuffer();
  } catch (err) {
    if (err instanceof RangeError) throw err;
    throw await toDecodeError(path, err);
  }
}

const has = (s: string, ...needles: RegExp[]): boolean => needles.some((r) => r.test(s));

/** Whether the file lacks the end marker its format requires: how a cut-short PNG or JPEG is told from a corrupt one. */
async function missingEndMarker(path: string, size: number): Promise<boolean> {
  const fh = await fsp.open(path, 'r');
  try {
    const headLen = Math.min(8, size);
    const tailLen = Math.min(16, size);
    const head = Buffer.alloc(headLen);
    const tail = Buffer.alloc(tailLen);
    await fh.read(head, 0, headLen, 0);
    await fh.read(tail, 0, tailLen, size - tailLen);
    if (head[0] === 0xff && head[1] === 0xd8) return !tail.includes(Buffer.from([0xff, 0xd9]));
    if (head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) return !tail.includes(Buffer.from('IEND'));
    return false;
  } finally {
    await fh.close();
  }
}

/** Maps a sharp/libvips failure to a reason, looking at the file itself where the message is vague. */
async function toDecodeError(path: string, err: unknown): Promise<ImageDecodeError> {
  if (err instanceof ImageDecodeError) return err;
  const msg = err instanceof Error ? err.message : String(err);
  // libvips ends some messages with a colon and nothing after it ("Input file has corrupt header:"): drop it, as we append our own detail
  const oneLine = msg.replace(/\s+/g, ' ').trim().replace(/[\s:]+$/, '');
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EISDIR') return new ImageDecodeError(path, 'unreadable', oneLine);
  let size: number;
  try {
    const st = await fsp.stat(path);
    if (!st.isFile()) return new ImageDecodeError(path, 'unreadable', 'not a regular file');
    size = st.size;
    await fsp.access(path, fsc.R_OK);
  } catch (e) {
    return new ImageDecodeError(path, 'unreadable', (e as Error).message);
  }
  if (size === 0) return new ImageDecodeError(path, 'empty', 'the file has zero bytes');
  if (has(msg, /exceeds pixel limit/i)) return new ImageDecodeError(path, 'too-large', `${oneLine}: more pixels than the limit`);
  // A header the decoder cannot parse is a broken file however it ends (a PNG signature then garbage has no IEND either).
  if (has(msg, /corrupt header/i)) return new ImageDecodeError(path, 'corrupt', `${oneLine}: the header after the format's signature is not valid`);
  if (has(msg, /premature end|truncated|unexpected end|out of data|not enough data|end of file/i)) return new ImageDecodeError(path, 'truncated', oneLine);
  if (has(msg, /unsupported image format/i)) {
    // Content sharp cannot identify under an image extension is a broken file, not a format choice.
    return isImageName(path)
      ? new ImageDecodeError(path, 'corrupt', `${oneLine}: the content is not a valid image of its extension`)
      : new ImageDecodeError(path, 'unsupported', oneLine);
  }
  if (has(msg, /not been built|no decoding plugin|unsupported (codec|compression|feature|colou?r|bit)/i)) return new ImageDecodeError(path, 'unsupported', oneLine);
  if (await missingEndMarker(path, size).catch(() => false)) return new ImageDecodeError(path, 'truncated', `${oneLine}: the file ends before its end marker`);
  return new ImageDecodeError(path, 'corrupt', oneLine);
}
