// The warm path: what reading a model teaches (its sha256, head, outputs) stored in the cache root, keyed by the
// model file's path, size and mtime, so a run whose features are all cached neither reads nor hashes nor adapts a
// 100 MB model. The card is read again every time (it is small and may change on its own). The adapted bytes are
// made only when inference needs them. Entries also carry the running engine file's size and mtime: a rebuilt
// adapter (which may find other outputs) never trusts what an older build stored.
import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeAtomic } from '../fs/writeAtomic';
import { readCard } from './card';
import { loadModel } from './loadModel';
import type { ModelInfo } from './types';

/** Bumped when the stored entry's layout changes. */
const ENTRY_VERSION = 1;

/** A model loaded for a run: its description now, its adapted bytes on demand (read, hashed and adapted then). */
export interface WarmLoadedModel {
  info: ModelInfo;
  /** The adapted model; the first call after a fresh load returns the bytes already made, later calls re-read the file. */
  adapted(): Promise<Uint8Array>;
  /** True when the description came from the stored entry (the model file was not read). */
  fromStore: boolean;
}

type Stored = Omit<ModelInfo, 'headWeight' | 'headBias' | 'card' | 'labels'>;
interface Entry { version: number; path: string; size: number; mtimeMs: number; engine: string; inputSize: number | null; info: Stored; weightLength: number; biasLength: number }

/** Where the entry of `modelPath` lives under a cache root. */
export function modelEntryPaths(cacheRoot: string, modelPath: string): { json: string; head: string } {
  const id = createHash('sha256').update(resolve(modelPath)).digest('hex').slice(0, 32);
  const dir = join(cacheRoot, 'models');
  return { json: join(dir, `${id}.json`), head: join(dir, `${id}.head.bin`) };
}

let engineId: Promise<string> | null = null;
/** Size and mtime of the file running this code (the bundle in a build, the source file under tsx). */
function engineStamp(): Promise<string> {
  engineId ??= fsp.stat(__filename).then((s) => `${s.size}:${s.mtimeMs}`, () => 'unknown');
  return engineId;
}

/** loadModel with the warm path: the stored description when path, size and mtime match, else a full load that stores it. */
export async function loadModelWarm(modelPath: string, cacheRoot: string): Promise<WarmLoadedModel> {
  const path = resolve(modelPath);
  const st = await fsp.stat(path).catch(() => null);
  const files = modelEntryPaths(cacheRoot, path);
  const engine = await engineStamp();
  if (st?.isFile()) {
    const hit = await readEntry(files, path, st.size, st.mtimeMs, engine);
    if (hit) return hit;
  }
  // A missing or unreadable model gets loadModel's error, which names the file and the problem.
  const loaded = await loadModel(path);
  if (st?.isFile()) await writeEntry(files, { path, size: st.size, mtimeMs: st.mtimeMs, engine, inputSize: loaded.inputSize }, loaded.info).catch(() => undefined);
  let held: Uint8Array | null = loaded.adapted;
  return {
    info: loaded.info,
    fromStore: false,
    adapted: async () => {
      const bytes = held ?? (await loadModel(path)).adapted;
      held = null;
      return bytes;
    },
  };
}

async function readEntry(files: { json: string; head: string }, path: string, size: number, mtimeMs: number, engine: string): Promise<WarmLoadedModel | null> {
  let entry: Entry;
  let head: Buffer;
  try {
    entry = JSON.parse(await fsp.readFile(files.json, 'utf8')) as Entry;
    if (entry.version !== ENTRY_VERSION || entry.path !== path || entry.size !== size || entry.mtimeMs !== mtimeMs || entry.engine !== engine) return null;
    head = await fsp.readFile(files.head);
  } catch {
    return null;
  }
  const floats = new Float32Array(head.buffer.slice(head.byteOffset, head.byteOffset + head.byteLength));
  if (floats.length !== entry.weightLength + entry.biasLength) return null;
  const { card, labels } = await readCard(path, { classes: entry.info.classes, inputSize: entry.inputSize });
  const info: ModelInfo = { ...entry.info, card, labels, headWeight: floats.slice(0, entry.weightLength), headBias: floats.slice(entry.weightLength) };
  return {
    info,
    fromStore: true,
    adapted: async () => {
      const fresh = await loadModel(path);
      // The file changed under the same size and mtime: its features would be cached under the wrong model.
      if (fresh.info.sha256 !== info.sha256) throw new Error(`${path} changed while in use (sha256 ${fresh.info.sha256.slice(0, 12)}…, stored ${info.sha256.slice(0, 12)}…); run again`);
      return fresh.adapted;
    },
  };
}

async function writeEntry(files: { json: string; head: string }, key: Omit<Entry, 'version' | 'info' | 'weightLength' | 'biasLength'>, info: ModelInfo): Promise<void> {
  const { headWeight, headBias, card: _card, labels: _labels, precision: _precision, ...stored } = info;
  const floats = new Float32Array(headWeight.length + headBias.length);
  floats.set(headWeight);
  floats.set(headBias, headWeight.length);
  // The head first: an entry is only trusted once its JSON exists, and that names the head's length.
  await writeAtomic(files.head, new Uint8Array(floats.buffer));
  const entry: Entry = { version: ENTRY_VERSION, ...key, info: stored, weightLength: headWeight.length, biasLength: headBias.length };
  await writeAtomic(files.json, JSON.stringify(entry));
}
