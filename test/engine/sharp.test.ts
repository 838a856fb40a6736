import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import {
  decodeCropRgb, decodeInto, DEFAULT_PIXEL_LIMIT, encodePng, ImageDecodeError, writeThumbnail,
  type DecodeFailure, type DecodeOptions,
} from '../../src/engine/native/sharp';
import type { Preprocess } from '../../src/engine/model/types';
import { cropOffset, resizedSize, roundHalfEven } from '../../src/engine/image/geometry';
import { bombPng, canReadUnreadable, seededRgb } from '../helpers/hostile';

const FIX = join(__dirname, '..', '.fixtures', 'sharp');
const OPTS: DecodeOptions = { pixelLimit: DEFAULT_PIXEL_LIMIT };
const ID: Pick<Preprocess, 'mean' | 'std'> = { mean: [0, 0, 0], std: [1, 1, 1] };

async function file(name: string, content: Buffer | Promise<Buffer>): Promise<string> {
  await fsp.mkdir(FIX, { recursive: true });
  const p = join(FIX, name);
  await fsp.writeFile(p, await content);
  return p;
}
const rawImg = (px: Buffer, width: number, height: number, channels: 1 | 2 | 3 | 4 = 3): Sharp => sharp(px, { raw: { width, height, channels } });
/** A solid-colour image of the given size. */
const solid = (width: number, height: number, rgb: [number, number, number]): Sharp =>
  sharp({ create: { width, height, channels: 3, background: { r: rgb[0], g: rgb[1], b: rgb[2] } } });

async function reason(p: Promise<unknown>): Promise<DecodeFailure> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof ImageDecodeError, `expected ImageDecodeError, got ${String(e)}`);
    return e.reason;
  }
  throw new Error('expected the decode to fail');
}

const near = (got: ArrayLike<number>, want: ArrayLike<number>, tol: number, what: string): void => {
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}: [${Array.from(got)}] vs [${Array.from(want)}] at ${i}`);
};

test('torchvision geometry helpers: round-half-even offsets, truncated long side', () => {
  assert.deepEqual([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven), [0, 2, 2, 0, -2, 2, 3]);
  assert.deepEqual(resizedSize(500, 375, 256), { width: 341, height: 256 });
  assert.deepEqual(resizedSize(375, 500, 256), { width: 256, height: 341 });
  assert.deepEqual(resizedSize(7, 7, 3), { width: 3, height: 3 });
  assert.deepEqual(cropOffset(341, 256, 224), { top: 16, left: 58 });
  assert.deepEqual(cropOffset(6, 4, 3), { top: 0, left: 2 });
});

test('decodeInto is exact on a 4x4 PNG when resize == crop == size: CHW, /255, (x - mean) / std in float32', async () => {
  const px = seededRgb(4, 4, 7);
  px[0] = 0; px[1] = 255; px[2] = 51; // the first pixel's values are checked literally below
  const p = await file('exact4.png', rawImg(px, 4, 4).png().toBuffer());
  const pre: Preprocess = { resize: 4, crop: 4, mean: [0.5, 0.5, 0.4], std: [0.5, 0.25, 0.2] };
  const out = new Float32Array(3 * 16);
  await decodeInto(p, pre, out, 0, OPTS);
  // (0/255 - 0.5)/0.5 = -1; (255/255 - 0.5)/0.25 = 2; (51/255 - 0.4)/0.2 = (0.2 - 0.4)/0.2 = -1.
  assert.equal(out[0], -1);
  assert.equal(out[16], 2);
  assert.ok(Math.abs(out[32] - -1) < 1e-6);
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < 16; i++) {
      const f = Math.fround;
      const want = f(f(f(px[i * 3 + c] / 255) - f(pre.mean[c])) / f(pre.std[c]));
      assert.equal(out[c * 16 + i], want, `channel ${c} pixel ${i}`);
    }
  }
});

test('center crop uses torchvision offsets: 6x4 image, crop 3 takes rows 0..2 and columns 2..4', async () => {
  const px = seededRgb(6, 4, 11);
  const p = await file('crop6x4.png', rawImg(px, 6, 4).png().toBuffer());
  const got = await decodeCropRgb(p, { resize: 4, crop: 3, ...ID }, OPTS);
  assert.equal(got.width, 3);
  const want: number[] = [];
  for (let y = 0; y < 3; y++) for (let x = 2; x < 5; x++) for (let c = 0; c < 3; c++) want.push(px[(y * 6 + x) * 3 + c]);
  assert.deepEqual(Array.from(got.data), want);
  const out = new Float32Array(1 + 27);
  out[0] = 42;
  await decodeInto(p, { resize: 4, crop: 3, ...ID }, out, 1, OPTS);
  assert.equal(out[0], 42, 'values before offset untouched');
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 3; c++) {
    assert.equal(out[1 + c * 9 + y * 3 + x], Math.fround(got.data[(y * 3 + x) * 3 + c] / 255));
  }
});

test('a crop larger than the resized image is zero-padded like torchvision', async () => {
  const p = await file('pad.png', solid(2, 2, [255, 255, 255]).png().toBuffer());
  const got = await decodeCropRgb(p, { resize: 2, crop: 4, ...ID }, OPTS);
  // offsets round(-1) = -1: the image lands at rows/cols 1..2.
  const row = (y: number): number[] => Array.from(got.data.subarray(y * 12, y * 12 + 12));
  assert.deepEqual(row(0), new Array(12).fill(0));
  assert.deepEqual(row(1), [0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]);
  assert.deepEqual(row(3), new Array(12).fill(0));
});

test('resizing follows the shorter side and the result is smooth (bilinear) for a 2x downscale', async () => {
  // 8x4 with columns alternating 0/200: halving averages each pair to 100.
  const px = Buffer.alloc(8 * 4 * 3);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 8; x++) px.fill(x % 2 ? 200 : 0, (y * 8 + x) * 3, (y * 8 + x) * 3 + 3);
  const p = await file('stripes.png', rawImg(px, 8, 4).png().toBuffer());
  const got = await decodeCropRgb(p, { resize: 2, crop: 2, ...ID }, OPTS);
  near(got.data, new Array(12).fill(100), 1, 'stripes');
});

test('EXIF orientation 6 is applied before resize and crop', async () => {
  // 40x20 stored: left half red, right half blue. Orientation 6 (rotate 90 clockwise) shows it 20 wide, 40 tall, red on top.
  const px = Buffer.alloc(40 * 20 * 3);
  for (let y = 0; y < 20; y++) for (let x = 0; x < 40; x++) px.set(x < 20 ? [255, 0, 0] : [0, 0, 255], (y * 40 + x) * 3);
  for (const ext of ['jpg', 'png']) {
    const img = rawImg(px, 40, 20).withMetadata({ orientation: 6 });
    const p = await file(`exif6.${ext}`, (ext === 'jpg' ? img.jpeg({ quality: 95 }) : img.png()).toBuffer());
    assert.equal((await sharp(p).metadata()).orientation, 6, `${ext} carries orientation 6`);
    const got = await decodeCropRgb(p, { resize: 20, crop: 20, ...ID }, OPTS);
    // Resized to 20x40, crop rows 10..29: rows 0..9 of the crop are red, rows 10..19 blue.
    near(got.data.subarray((2 * 20 + 10) * 3, (2 * 20 + 10) * 3 + 3), [255, 0, 0], 40, `${ext} top`);
    near(got.data.subarray((17 * 20 + 10) * 3, (17 * 20 + 10) * 3 + 3), [0, 0, 255], 40, `${ext} bottom`);
  }
});

test('grayscale, RGBA (alpha dropped, not composited), 16-bit and CMYK inputs decode to the right RGB', async () => {
  const gray = Buffer.from([0, 60, 120, 255]);
  const pg = await file('gray.png', rawImg(gray, 2, 2, 1).png().toBuffer());
  assert.deepEqual(Array.from((await decodeCropRgb(pg, { resize: 2, crop: 2, ...ID }, OPTS)).data), [0, 0, 0, 60, 60, 60, 120, 120, 120, 255, 255, 255]);

  const rgba = Buffer.from([200, 100, 50, 0, 10, 20, 30, 255, 1, 2, 3, 128, 4, 5, 6, 7]);
  const pa = await file('rgba.png', rawImg(rgba, 2, 2, 4).png().toBuffer());
  assert.deepEqual(Array.from((await decodeCropRgb(pa, { resize: 2, crop: 2, ...ID }, OPTS)).data), [200, 100, 50, 10, 20, 30, 1, 2, 3, 4, 5, 6]);

  const v = [0, 17, 128, 255];
  const p16 = await file('rgb16.png', sharp(new Uint16Array([...v.map((x) => x * 257), ...v.map((x) => x * 257), ...v.slice(0, 4).map((x) => x * 257)]), { raw: { width: 2, height: 2, channels: 3 } }).toColourspace('rgb16').png().toBuffer());
  assert.equal((await sharp(p16).metadata()).depth, 'ushort');
  const got16 = await decodeCropRgb(p16, { resize: 2, crop: 2, ...ID }, OPTS);
  assert.deepEqual(Array.from(got16.data), [0, 17, 128, 255, 0, 17, 128, 255, 0, 17, 128, 255]);

  // sRGB -> CMYK -> sRGB through libvips' default CMYK profile is close for muted colours and
  // loses some saturation for vivid ones; either way red must stay red (no channel swap or inversion).
  for (const [rgb, tol] of [[[120, 130, 140], 8], [[200, 40, 40], 30]] as Array<[[number, number, number], number]>) {
    const pc = await file(`cmyk-${rgb.join('-')}.jpg`, solid(16, 16, rgb).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer());
    assert.equal((await sharp(pc).metadata()).space, 'cmyk');
    const gotc = await decodeCropRgb(pc, { resize: 16, crop: 16, ...ID }, OPTS);
    near(gotc.data.subarray(0, 3), rgb, tol, 'CMYK JPEG back to RGB');
  }
});

test('GIF decodes its first frame; TIFF, WebP and AVIF decode', async () => {
  const frames = Buffer.concat([Buffer.alloc(4 * 4 * 3).fill(Buffer.from([255, 0, 0])), Buffer.alloc(4 * 4 * 3).fill(Buffer.from([0, 0, 255]))]);
  const pgif = await file('anim.gif', sharp(frames, { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } }).gif().toBuffer());
  assert.equal((await sharp(pgif).metadata()).pages, 2);
  const g = await decodeCropRgb(pgif, { resize: 4, crop: 4, ...ID }, OPTS);
  assert.equal(g.height, 4);
  near(g.data.subarray(0, 3), [255, 0, 0], 0, 'first frame is red');
  near(g.data.subarray(45, 48), [255, 0, 0], 0, 'first frame is red throughout');

  const px = seededRgb(5, 5, 3);
  const ptif = await file('img.tiff', rawImg(px, 5, 5).tiff({ compression: 'lzw' }).toBuffer());
  assert.deepEqual(Array.from((await decodeCropRgb(ptif, { resize: 5, crop: 5, ...ID }, OPTS)).data), Array.from(px));
  const pwebp = await file('img.webp', rawImg(px, 5, 5).webp({ lossless: true }).toBuffer());
  assert.deepEqual(Array.from((await decodeCropRgb(pwebp, { resize: 5, crop: 5, ...ID }, OPTS)).data), Array.from(px));
});

test('AVIF decodes when this sharp build can write it', async (t) => {
  let avif: Buffer;
  try {
    avif = await solid(16, 16, [30, 160, 90]).avif({ quality: 90 }).toBuffer();
  } catch (e) {
    t.skip(`this sharp build cannot encode AVIF (${(e as Error).message})`);
    return;
  }
  const p = await file('img.avif', avif);
  near((await decodeCropRgb(p, { resize: 16, crop: 16, ...ID }, OPTS)).data.subarray(0, 3), [30, 160, 90], 8, 'AVIF colour');
});

test('hostile files fail with the right reason and a message naming the file', async () => {
  const pre: Preprocess = { resize: 8, crop: 8, ...ID };
  const out = new Float32Array(3 * 64);
  const jpeg = await rawImg(seededRgb(64, 48, 5), 64, 48).jpeg().toBuffer();
  const cases: Array<[string, Buffer, DecodeFailure]> = [
    ['zero.jpg', Buffer.alloc(0), 'empty'],
    ['half.jpg', jpeg.subarray(0, jpeg.length >> 1), 'truncated'],
    ['noise.jpg', seededRgb(50, 10, 1), 'corrupt'],
    ['doc.bin', Buffer.from('%PDF-1.4\n%\n'), 'unsupported'],
  ];
  const png = await rawImg(seededRgb(40, 40, 9), 40, 40).png().toBuffer();
  cases.push(['halfpng.png', png.subarray(0, png.length >> 1), 'truncated']);
  // a PNG signature then garbage: the header cannot be parsed, so it is corrupt (not truncated for lacking IEND)
  cases.push(['sigpng.png', Buffer.concat([png.subarray(0, 8), seededRgb(40, 10, 3)]), 'corrupt']);
  for (const [name, bytes, want] of cases) {
    const p = await file(name, bytes);
    const r = await reason(decodeInto(p, pre, out, 0, OPTS));
    assert.equal(r, want, name);
    await assert.rejects(decodeInto(p, pre, out, 0, OPTS), (e: Error) => e.message.includes(p) && !e.message.includes('::'));
  }
  assert.equal(await reason(decodeInto(join(FIX, 'absent.jpg'), pre, out, 0, OPTS)), 'unreadable');
});

test('a decompression bomb is refused from its header as too-large', async () => {
  const p = await file('bomb.png', bombPng(3000, 3000));
  assert.ok((await fsp.stat(p)).size < 20_000);
  assert.equal(await reason(decodeInto(p, { resize: 8, crop: 8, ...ID }, new Float32Array(192), 0, { pixelLimit: 1_000_000 })), 'too-large');
  assert.equal(await reason(writeThumbnail(p, join(FIX, 'bomb.webp'), 32, { pixelLimit: 1_000_000 })), 'too-large');
  // The same file under a limit it fits is an ordinary (black) image.
  const ok = await decodeCropRgb(p, { resize: 8, crop: 8, ...ID }, { pixelLimit: 10_000_000 });
  assert.equal(ok.data.length, 192);
});

test('an unreadable file is reported as unreadable (when permissions are enforced)', async (t) => {
  const p = await file('locked.jpg', rawImg(seededRgb(8, 8, 2), 8, 8).jpeg().toBuffer());
  await fsp.chmod(p, 0);
  try {
    if (await canReadUnreadable(FIX)) {
      t.diagnostic('this process reads chmod-000 files (root): the image decodes');
      await decodeCropRgb(p, { resize: 8, crop: 8, ...ID }, OPTS);
    } else {
      assert.equal(await reason(decodeCropRgb(p, { resize: 8, crop: 8, ...ID }, OPTS)), 'unreadable');
    }
  } finally {
    await fsp.chmod(p, 0o644);
  }
});

test('writeThumbnail writes a webp with the longest side = size, atomically', async () => {
  const src = await file('thumbsrc.png', rawImg(seededRgb(120, 60, 4), 120, 60).png().toBuffer());
  const dir = join(FIX, 'thumbs', 'nested');
  await fsp.rm(join(FIX, 'thumbs'), { recursive: true, force: true });
  const dest = join(dir, 'a.webp');
  await writeThumbnail(src, dest, 48, OPTS);
  const meta = await sharp(dest).metadata();
  assert.equal(meta.format, 'webp');
  assert.deepEqual([meta.width, meta.height], [48, 24]);
  await writeThumbnail(src, dest, 30, OPTS);
  assert.equal((await sharp(dest).metadata()).width, 30, 'overwrites an existing thumbnail');
  const bad = await file('thumbbad.jpg', Buffer.from('nope'));
  assert.equal(await reason(writeThumbnail(bad, join(dir, 'b.webp'), 48, OPTS)), 'corrupt');
  assert.deepEqual((await fsp.readdir(dir)).sort(), ['a.webp'], 'no temp files or partial output left behind');
});

test('encodePng round-trips RGB and rejects a buffer of the wrong size', async () => {
  const px = seededRgb(7, 3, 8);
  const png = await encodePng(new Uint8Array(px), 7, 3);
  const back = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([back.info.width, back.info.height, back.info.channels], [7, 3, 3]);
  assert.deepEqual(Array.from(back.data), Array.from(px));
  // A view into a larger buffer encodes only its own bytes.
  const big = new Uint8Array(px.length + 10);
  big.set(px, 5);
  assert.deepEqual(await encodePng(big.subarray(5, 5 + px.length), 7, 3), png);
  await assert.rejects(encodePng(new Uint8Array(10), 7, 3), /expected 7x3x3 = 63 bytes/);
});

test('decodeInto validates its output buffer and preprocess', async () => {
  const p = await file('small.png', rawImg(seededRgb(4, 4, 1), 4, 4).png().toBuffer());
  await assert.rejects(decodeInto(p, { resize: 4, crop: 4, ...ID }, new Float32Array(47), 0, OPTS), /cannot hold 3x4x4 at offset 0/);
  await assert.rejects(decodeInto(p, { resize: 4, crop: 4, ...ID }, new Float32Array(48), 1, OPTS), RangeError);
  await assert.rejects(decodeInto(p, { resize: 0, crop: 4, ...ID }, new Float32Array(48), 0, OPTS), /resize/);
  await assert.rejects(decodeInto(p, { resize: 4, crop: 4, mean: [0, 0, 0], std: [1, 0, 1] }, new Float32Array(48), 0, OPTS), /std != 0/);
});

test('decodeInto and decodeCropRgb see the same pixels after a real resize (50x30 -> 33x20, crop 16 at top 2, left 8)', async () => {
  const p = await file('resample.png', rawImg(seededRgb(50, 30, 21), 50, 30).png().toBuffer());
  assert.deepEqual(resizedSize(50, 30, 20), { width: 33, height: 20 });
  assert.deepEqual(cropOffset(33, 20, 16), { top: 2, left: 8 });
  const pre: Preprocess = { resize: 20, crop: 16, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
  const rgb = await decodeCropRgb(p, pre, OPTS);
  const out = new Float32Array(3 * 256);
  await decodeInto(p, pre, out, 0, OPTS);
  for (let i = 0; i < 256; i++) {
    for (let c = 0; c < 3; c++) {
      const f = Math.fround;
      assert.equal(out[c * 256 + i], f(f(f(rgb.data[i * 3 + c] / 255) - f(pre.mean[c])) / f(pre.std[c])));
    }
  }
  // Noise averaged by a 1.5x downscale stays inside the source range and is not constant.
  assert.ok(new Set(rgb.data).size > 50);
});

test('upscaling a small image matches Pillow\'s bilinear (2x2 -> 4x4, computed by hand)', async () => {
  const px = Buffer.from([0, 16, 32, 48].flatMap((v) => [v, v, v]));
  const p = await file('up2x2.png', rawImg(px, 2, 2).png().toBuffer());
  const got = await decodeCropRgb(p, { resize: 4, crop: 4, ...ID }, OPTS);
  assert.deepEqual(Array.from(got.data.filter((_, i) => i % 3 === 0)), [0, 4, 12, 16, 8, 12, 20, 24, 24, 28, 36, 40, 32, 36, 44, 48]);
});
