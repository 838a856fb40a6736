// Builds a small ImageFolder dataset (train/val splits) full of hostile files, for the
// discovery tests and the engine's end-to-end "bad input never crashes" test.
import { promises as fsp } from 'node:fs';
import { deflateSync } from 'node:zlib';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';

/** A file the dataset must leave out, by its path relative to the dataset root, with the reason the engine should report. */
export interface HostileExpectation {
  rel: string;
  /** A dataset SkipReason (found by discovery) or a DecodeFailure (found when decoding). */
  reason: string;
}

/** Deterministic RGB pixels (a seeded LCG), so every build writes the same images. */
export function seededRgb(width: number, height: number, seed: number): Buffer {
  const buf = Buffer.alloc(width * height * 3);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < buf.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    buf[i] = s >>> 24;
  }
  return buf;
}

/** A PNG of width x height 1-bit gray zeros: a few kB on disk that claims width*height pixels (a decompression bomb). */
export function bombPng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td));
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 1; // bit depth
  ihdr[9] = 0; // grayscale
  // Each row is a filter byte plus ceil(width / 8) bytes of zeros.
  const raw = Buffer.alloc((1 + Math.ceil(width / 8)) * height);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
}

let crcTable: Uint32Array | null = null;
function crc32(buf: Buffer): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < buf.length; i++) c = crcTable[(c ^ buf[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** Whether this process can read a chmod-000 file (root can), which decides whether 'unreadable' is observable. */
export async function canReadUnreadable(dir: string): Promise<boolean> {
  const p = join(dir, `.probe-${process.pid}`);
  await fsp.writeFile(p, 'x');
  await fsp.chmod(p, 0);
  try {
    await fsp.readFile(p);
    return true;
  } catch {
    return false;
  } finally {
    await fsp.rm(p, { force: true });
  }
}

/**
 * Writes, into a fresh `dir`: train/{cat,dog} and val/{cat,dog} with good images (RGB PNG and
 * JPEG, CMYK JPEG, 16-bit gray PNG, RGBA PNG, GIF, a nested folder, a symlinked image) and
 * every bad kind: zero-byte, truncated JPEG, random bytes named .jpg, a decompression-bomb PNG
 * (400 Mpx, above DEFAULT_PIXEL_LIMIT), a hidden file, a hidden folder, a text file, a symlink
 * loop, a dangling symlink, an image outside any class, and a chmod-000 file (expected
 * 'unreadable' only when the process cannot read it; as root it is a good image). A `test`
 * folder is present too and must be ignored in favour of `val`.
 */
export async function buildHostileDataset(dir: string): Promise<{ expected: HostileExpectation[]; good: string[]; ignoredSplits: string[] }> {
  await fsp.rm(dir, { recursive: true, force: true });
  const expected: HostileExpectation[] = [];
  const good: string[] = [];
  const mk = async (rel: string): Promise<string> => {
    const p = join(dir, rel);
    await fsp.mkdir(join(p, '..'), { recursive: true });
    return p;
  };
  const raw = (w: number, h: number, seed: number): Sharp => sharp(seededRgb(w, h, seed), { raw: { width: w, height: h, channels: 3 } });
  const writeGood = async (rel: string, img: Sharp): Promise<void> => {
    await img.toFile(await mk(rel));
    good.push(rel);
  };

  let seed = 1;
  for (const split of ['train', 'val']) {
    for (const cls of ['cat', 'dog']) {
      for (let i = 0; i < (split === 'train' ? 3 : 2); i++) {
        const rel = `${split}/${cls}/${cls}${i}.${i % 2 ? 'jpg' : 'png'}`;
        await writeGood(rel, i % 2 ? raw(40, 30, seed++).jpeg() : raw(30, 40, seed++).png());
      }
    }
  }
  await writeGood('train/cat/nested/deeper/kitten.JPEG', raw(32, 32, seed++).jpeg());
  await writeGood('train/cat/cmyk.jpg', raw(24, 24, seed++).toColourspace('cmyk').jpeg());
  await writeGood('train/dog/gray16.png', raw(24, 24, seed++).grayscale().toColourspace('grey16').png());
  await writeGood('train/dog/rgba.png', raw(24, 24, seed++).ensureAlpha(0.5).png());
  await writeGood('val/dog/anim.gif', raw(24, 24, seed++).gif());
  await fsp.symlink('cat0.png', await mk('train/cat/alias.png'));
  good.push('train/cat/alias.png');
  await raw(24, 24, seed++).png().toFile(await mk('test/cat/ignored.png'));

  const bad = async (rel: string, reason: string, content: Buffer | string): Promise<void> => {
    await fsp.writeFile(await mk(rel), content);
    expected.push({ rel, reason });
  };
  const jpeg = await raw(64, 48, seed++).jpeg().toBuffer();
  await bad('train/cat/empty.jpg', 'empty', Buffer.alloc(0));
  await bad('train/cat/truncated.jpg', 'truncated', jpeg.subarray(0, jpeg.length >> 1));
  await bad('train/dog/random.jpg', 'corrupt', seededRgb(100, 10, 99));
  await bad('train/dog/bomb.png', 'too-large', bombPng(20000, 20000));
  await bad('train/cat/.DS_Store', 'hidden', 'junk');
  await bad('val/cat/.thumbs/cat9.png', 'hidden', await raw(8, 8, seed++).png().toBuffer());
  expected[expected.length - 1].rel = 'val/cat/.thumbs';
  await bad('train/dog/notes.txt', 'not-an-image', 'not a picture');
  await bad('train/stray.png', 'no-class', await raw(8, 8, seed++).png().toBuffer());
  await fsp.symlink('..', await mk('train/cat/nested/loop'));
  expected.push({ rel: 'train/cat/nested/loop', reason: 'symlink-loop' });
  await fsp.symlink('does-not-exist.jpg', await mk('train/dog/gone.jpg'));
  expected.push({ rel: 'train/dog/gone.jpg', reason: 'missing' });

  const locked = await mk('val/dog/locked.jpg');
  await fsp.writeFile(locked, jpeg);
  await fsp.chmod(locked, 0);
  if (await canReadUnreadable(dir)) good.push('val/dog/locked.jpg');
  else expected.push({ rel: 'val/dog/locked.jpg', reason: 'unreadable' });

  return { expected, good: good.sort(), ignoredSplits: ['test'] };
}
