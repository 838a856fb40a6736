// One cache shard: the features of one batch (or of a compaction), written once, never modified.
//
// Layout (little-endian):
//   0  "SPLS" magic          4  u32 format version     8  u32 header length H
//   12 u32 body length B     16 32-byte sha256 of header+body
//   48 header (UTF-8 JSON, padded with spaces to a multiple of 8)
//   48+H body: pooled block (n x dim, float16 or float32), zero padding to 8, logits block (n x classes, float32)
// The checksum lets a reader ignore a shard damaged after it was written (disk faults, a
// hand-edited file); partial writes never reach the final name (temp file + fsync + rename).
import { createHash } from 'node:crypto';
import { encodeFloat16, fitsFloat16, float16Table } from './float16';

/** Image identity in the cache: a changed size or mtime means a changed image. */
export interface CacheKey {
  rel: string;
  size: number;
  mtimeMs: number;
}

/** An image whose decode failed, remembered so it is reported again without re-decoding. */
export interface CachedFailure extends CacheKey {
  reason: string;
  message: string;
}

/** Parsed shard header. */
export interface ShardHeader {
  dim: number;
  classes: number;
  pooledFormat: 'f16' | 'f32';
  entries: CacheKey[];
  failures: CachedFailure[];
}

/** Shard format version; a shard with another version is ignored (and recomputed). */
export const SHARD_VERSION = 1;
const MAGIC = 0x534c5053; // "SPLS" read as little-endian u32
const PREFIX = 48;

const pad8 = (n: number): number => (n + 7) & ~7;

/** Serialises a shard: pooled is entries x dim, logits entries x classes. */
export function encodeShard(header: Omit<ShardHeader, 'pooledFormat'>, pooled: Float32Array, logits: Float32Array): Buffer {
  const n = header.entries.length;
  if (pooled.length < n * header.dim || logits.length < n * header.classes) {
    throw new Error(`shard: expected ${n} x ${header.dim} pooled and ${n} x ${header.classes} logits values`);
  }
  const pooledView = pooled.subarray(0, n * header.dim);
  const f16 = fitsFloat16(pooledView);
  return layoutShard(header, f16 ? 'f16' : 'f32', logits, (buf, body) => {
    if (f16) encodeFloat16(pooledView, new Uint16Array(buf.buffer, buf.byteOffset + body, n * header.dim));
    else new Float32Array(buf.buffer, buf.byteOffset + body, n * header.dim).set(pooledView);
  });
}

/** Serialises a shard whose pooled rows are already float16 bits (entries x dim): a writer that makes float16 directly skips the encoding. */
export function encodeShardFloat16(header: Omit<ShardHeader, 'pooledFormat'>, pooledBits: Uint16Array, logits: Float32Array): Buffer {
  const n = header.entries.length;
  if (pooledBits.length < n * header.dim || logits.length < n * header.classes) {
    throw new Error(`shard: expected ${n} x ${header.dim} pooled and ${n} x ${header.classes} logits values`);
  }
  return layoutShard(header, 'f16', logits, (buf, body) => new Uint16Array(buf.buffer, buf.byteOffset + body, n * header.dim).set(pooledBits.subarray(0, n * header.dim)));
}

function layoutShard(header: Omit<ShardHeader, 'pooledFormat'>, pooledFormat: ShardHeader['pooledFormat'], logits: Float32Array, writePooled: (buf: Buffer, body: number) => void): Buffer {
  const n = header.entries.length;
  const json = Buffer.from(JSON.stringify({ ...header, pooledFormat }), 'utf8');
  const H = pad8(json.length);
  const pooledBytes = n * header.dim * (pooledFormat === 'f16' ? 2 : 4);
  const logitsOffset = pad8(pooledBytes);
  const B = logitsOffset + n * header.classes * 4;
  const buf = Buffer.alloc(PREFIX + H + B, 0);
  buf.fill(0x20, PREFIX + json.length, PREFIX + H);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(SHARD_VERSION, 4);
  buf.writeUInt32LE(H, 8);
  buf.writeUInt32LE(B, 12);
  json.copy(buf, PREFIX);
  const body = PREFIX + H; // a multiple of 8 from the buffer's start, and Buffer.alloc is aligned
  writePooled(buf, body);
  new Float32Array(buf.buffer, buf.byteOffset + body + logitsOffset, n * header.classes).set(logits.subarray(0, n * header.classes));
  createHash('sha256').update(buf.subarray(PREFIX)).digest().copy(buf, 16);
  return buf;
}

/** Reads a shard header from the file's first bytes; throws a message saying what is wrong. */
export function decodeShardHeader(buf: Buffer): { header: ShardHeader; headerLength: number; bodyLength: number } {
  if (buf.length < PREFIX) throw new Error('shorter than the shard prefix');
  if (buf.readUInt32LE(0) !== MAGIC) throw new Error('not a shard (bad magic)');
  const version = buf.readUInt32LE(4);
  if (version !== SHARD_VERSION) throw new Error(`shard version ${version}, expected ${SHARD_VERSION}`);
  const H = buf.readUInt32LE(8);
  const B = buf.readUInt32LE(12);
  if (buf.length < PREFIX + H) throw new Error('header truncated');
  let header: ShardHeader;
  try {
    header = JSON.parse(buf.subarray(PREFIX, PREFIX + H).toString('utf8')) as ShardHeader;
  } catch {
    throw new Error('header is not valid JSON');
  }
  if (!Array.isArray(header.entries) || !Array.isArray(header.failures) || !(header.dim > 0) || !(header.classes > 0)) {
    throw new Error('header lacks entries, failures, dim or classes');
  }
  return { header, headerLength: H, bodyLength: B };
}

/** Total file size a shard header announces. */
export function shardFileSize(headerLength: number, bodyLength: number): number {
  return PREFIX + headerLength + bodyLength;
}

/** A verified shard body: rows in header.entries order. */
export interface ShardBody {
  header: ShardHeader;
  /** Copies `count` consecutive rows starting at `row` into out (float32, `count` x dim) at outOffset. */
  copyPooled(row: number, count: number, out: Float32Array, outOffset: number): void;
  /** Same for logits (`count` x classes). */
  copyLogits(row: number, count: number, out: Float32Array, outOffset: number): void;
  /** Copies features `features` of one row (float32) into out at outOffset: a reader of a few columns decodes no more. */
  copyPooledAt(row: number, features: ArrayLike<number>, out: Float32Array, outOffset: number): void;
}

/** Decodes float16 bits src[from, from + length) into out at outOffset through the lookup table (kept monomorphic for speed). */
function decodeRun(src: Uint16Array, from: number, length: number, out: Float32Array, outOffset: number, table: Float32Array): void {
  for (let k = 0; k < length; k++) out[outOffset + k] = table[src[from + k]];
}

/** Verifies a whole shard file's length and checksum and returns accessors to its rows. */
export function decodeShard(buf: Buffer): ShardBody {
  const { header, headerLength: H, bodyLength: B } = decodeShardHeader(buf);
  if (buf.length !== shardFileSize(H, B)) throw new Error(`length ${buf.length}, header says ${shardFileSize(H, B)}`);
  const digest = createHash('sha256').update(buf.subarray(PREFIX)).digest();
  if (!digest.equals(buf.subarray(16, 48))) throw new Error('checksum mismatch');
  const n = header.entries.length;
  const { dim, classes } = header;
  const f16 = header.pooledFormat === 'f16';
  const pooledBytes = n * dim * (f16 ? 2 : 4);
  if (pad8(pooledBytes) + n * classes * 4 !== B) throw new Error('body length does not match the header');
  // Typed-array views need aligned offsets: copy once if the file buffer is not 8-aligned.
  const aligned = (buf.byteOffset & 7) === 0 ? buf : Buffer.from(buf);
  const body = aligned.byteOffset + PREFIX + H;
  const logits = new Float32Array(aligned.buffer, body + pad8(pooledBytes), n * classes);
  const table = float16Table();
  const pooled16 = f16 ? new Uint16Array(aligned.buffer, body, n * dim) : new Uint16Array(0);
  const pooled32 = f16 ? new Float32Array(0) : new Float32Array(aligned.buffer, body, n * dim);
  return {
    header,
    copyPooled(row, count, out, outOffset) {
      if (f16) decodeRun(pooled16, row * dim, count * dim, out, outOffset, table);
      else out.set(pooled32.subarray(row * dim, (row + count) * dim), outOffset);
    },
    copyLogits(row, count, out, outOffset) {
      out.set(logits.subarray(row * classes, (row + count) * classes), outOffset);
    },
    copyPooledAt(row, features, out, outOffset) {
      const o = row * dim;
      if (f16) for (let k = 0; k < features.length; k++) out[outOffset + k] = table[pooled16[o + features[k]]];
      else for (let k = 0; k < features.length; k++) out[outOffset + k] = pooled32[o + features[k]];
    },
  };
}
