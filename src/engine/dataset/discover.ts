// Finds a dataset's images, classes and splits on disk. Bad files are reported in
// `skipped`, never thrown; only an argument that is no dataset at all throws.
import { promises as fsp } from 'node:fs';
import { dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Split } from '../../core/types';
import type { Dataset, ImageEntry, SkippedFile } from './types';
import { checkFiles, collectImages, isImageName, listDir, Pacer, type ListedEntry } from './walk';
import { parseCsvManifest, parseJsonlManifest, type ManifestRow } from './manifest';
import { hashSplit, VALIDATION_NAMES } from './split';

/** Tuning for discoverDataset. */
export interface DiscoverOptions {
  /** Longest run of synchronous filesystem calls between yields to the event loop, in ms; default 8. */
  sliceMs?: number;
  /**
   * Size and mtime of files already known (by path relative to the root), e.g. from the feature cache's listing:
   * those are not stat'ed (1.33M stats cost seconds to minutes on a cold disk). A file rewritten in place keeps its
   * old key until a discovery without `known`.
   */
  known?: (rel: string) => { size: number; mtimeMs: number } | undefined;
}

/** Thrown when the argument is missing or is not a dataset in any supported layout. */
export class DatasetNotFoundError extends Error {
  override readonly name = 'DatasetNotFoundError';
}

/** The layouts discoverDataset accepts, for error messages. */
export const VALID_LAYOUTS = [
  'ROOT/<class>/<image> (ImageFolder; split 80/20 by a hash of each path)',
  'ROOT/train/<class>/<image> with ROOT/val (or validation, or test)/<class>/<image>',
  'a manifest file, .csv with header path,label[,split] or .jsonl with {"path","label","split"?}, paths relative to the manifest',
].join('; ');

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const toPosix = (p: string): string => (sep === '/' ? p : p.split(sep).join('/'));

/**
 * Discovers a dataset from a folder or a manifest file.
 * - `ROOT/train/<class>/...` plus a validation folder (`val` preferred over `validation` over
 *   `test`; the others are listed in `ignoredSplits`): layout 'imagefolder-splits'.
 * - `ROOT/<class>/...`: layout 'imagefolder'; each image's split is hashSplit(rel) (80% train).
 * - a `.csv`/`.jsonl` manifest: layout 'manifest'; rows without a split use the hash split.
 * Folders nested under a class belong to it. Images are sorted by (split, label, rel).
 */
export async function discoverDataset(rootOrManifest: string, opts: DiscoverOptions = {}): Promise<Dataset> {
  const pacer = new Pacer(Math.max(0, opts.sliceMs ?? 8));
  const arg = resolve(rootOrManifest);
  let st;
  try {
    st = await fsp.stat(arg);
  } catch (e) {
    throw new DatasetNotFoundError(`Dataset not found: ${arg} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}). Valid inputs: ${VALID_LAYOUTS}.`);
  }
  if (st.isFile()) {
    const ext = extname(arg).toLowerCase();
    if (ext !== '.csv' && ext !== '.jsonl') throw new DatasetNotFoundError(`${arg} is a file but not a .csv or .jsonl manifest. Valid inputs: ${VALID_LAYOUTS}.`);
    return finish(await fromManifest(arg, ext, pacer, opts.known));
  }
  if (!st.isDirectory()) throw new DatasetNotFoundError(`${arg} is neither a folder nor a manifest file. Valid inputs: ${VALID_LAYOUTS}.`);
  return finish(await fromFolders(arg, pacer, opts.known));
}

interface Draft extends Omit<Dataset, 'classes'> {
  hashSplitCount: number;
  ignoredSplits: string[];
}

function finish(d: Draft): Dataset {
  if (d.images.length === 0) {
    const counts = new Map<string, number>();
    for (const s of d.skipped) counts.set(s.reason, (counts.get(s.reason) ?? 0) + 1);
    const seen = counts.size ? ` (skipped: ${[...counts].map(([r, n]) => `${n} ${r}`).join(', ')})` : '';
    throw new DatasetNotFoundError(`No usable images in ${d.root}${seen}. Valid inputs: ${VALID_LAYOUTS}.`);
  }
  d.images.sort((a, b) => cmp(a.split, b.split) || cmp(a.label, b.label) || cmp(a.rel, b.rel));
  d.skipped.sort((a, b) => cmp(a.path, b.path) || cmp(a.reason, b.reason));
  const classes = [...new Set(d.images.map((i) => i.label))].sort(cmp);
  return { ...d, classes, ignoredSplits: d.ignoredSplits.sort(cmp) };
}

/** checkFiles over the candidates `known` does not list. */
async function checkUnlessKnown(cands: Array<{ abs: string; rel: string }>, pacer: Pacer, known?: DiscoverOptions['known']): Promise<Array<{ size: number; mtimeMs: number } | SkippedFile>> {
  if (!known) return checkFiles(cands.map((c) => c.abs), pacer);
  const out: Array<{ size: number; mtimeMs: number } | SkippedFile | undefined> = cands.map((c) => known(c.rel));
  const todo = out.flatMap((l, i) => (l ? [] : [i]));
  const stats = await checkFiles(todo.map((i) => cands[i].abs), pacer);
  todo.forEach((i, j) => { out[i] = stats[j]; });
  return out as Array<{ size: number; mtimeMs: number } | SkippedFile>;
}

/** Stats every candidate (paced, see walk.ts) and turns the usable ones into entries. */
async function toEntries(cands: Array<{ abs: string; rel: string; label: string; split: Split }>, skipped: SkippedFile[], pacer: Pacer, known?: DiscoverOptions['known']): Promise<ImageEntry[]> {
  const checked = await checkUnlessKnown(cands, pacer, known);
  const images: ImageEntry[] = [];
  checked.forEach((r, i) => {
    const c = cands[i];
    if ('reason' in r) skipped.push(r);
    else images.push({ path: c.abs, rel: c.rel, label: c.label, split: c.split, size: r.size, mtimeMs: r.mtimeMs });
  });
  return images;
}

/** Images directly in a folder that should only hold class folders. */
function reportLoose(files: ListedEntry[], skipped: SkippedFile[], where: string): void {
  for (const f of files) {
    skipped.push(isImageName(f.name)
      ? { path: f.abs, reason: 'no-class', detail: `image directly in ${where}; put it in a class folder` }
      : { path: f.abs, reason: 'not-an-image', detail: `not an image, in ${where}` });
  }
}

async function fromFolders(root: string, pacer: Pacer, known?: DiscoverOptions['known']): Promise<Draft> {
  const skipped: SkippedFile[] = [];
  const rootReal = await fsp.realpath(root);
  const top = listDir(root, '', rootReal, new Set([rootReal]), skipped);
  const byLower = new Map(top.dirs.map((d) => [d.name.toLowerCase(), d]));
  const train = byLower.get('train');
  const valName = VALIDATION_NAMES.find((n) => byLower.has(n));
  const ancestors = new Set([rootReal]);
  const cands: Array<{ abs: string; rel: string; label: string; split: Split }> = [];
  const ignoredSplits: string[] = [];

  if (train && valName) {
    const val = byLower.get(valName) as ListedEntry;
    for (const d of top.dirs) if (d !== train && d !== val) ignoredSplits.push(d.name);
    reportLoose(top.files, skipped, 'the dataset root');
    for (const [splitDir, split] of [[train, 'train'], [val, 'val']] as const) {
      const inner = listDir(splitDir.abs, splitDir.rel, splitDir.real, new Set([rootReal, splitDir.real]), skipped);
      reportLoose(inner.files, skipped, `the ${splitDir.name} folder`);
      for (const c of inner.dirs) {
        for (const f of await collectImages(c, new Set([rootReal, splitDir.real]), skipped, pacer)) cands.push({ abs: f.abs, rel: f.rel, label: c.name, split });
      }
    }
    const images = await toEntries(cands, skipped, pacer, known);
    return { root, layout: 'imagefolder-splits', validationSource: val.name, images, skipped, ignoredSplits, hashSplitCount: 0 };
  }

  reportLoose(top.files, skipped, 'the dataset root');
  for (const c of top.dirs) {
    for (const f of await collectImages(c, ancestors, skipped, pacer)) cands.push({ abs: f.abs, rel: f.rel, label: c.name, split: hashSplit(f.rel) });
  }
  const images = await toEntries(cands, skipped, pacer, known);
  return { root, layout: 'imagefolder', validationSource: null, images, skipped, ignoredSplits, hashSplitCount: images.length };
}

async function fromManifest(file: string, ext: string, pacer: Pacer, known?: DiscoverOptions['known']): Promise<Draft> {
  const root = dirname(file);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (e) {
    throw new DatasetNotFoundError(`Cannot read manifest ${file} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}).`);
  }
  const { rows, bad } = ext === '.csv' ? parseCsvManifest(text, file) : parseJsonlManifest(text);
  const skipped: SkippedFile[] = bad.map((b) => ({ path: file, reason: 'bad-manifest-row' as const, detail: `line ${b.line}: ${b.problem}` }));

  // Several validation names in one manifest: keep the preferred one, as with folders.
  const present = new Set(rows.map((r) => r.split).filter((s): s is string => s !== null && s !== 'train'));
  const valName = VALIDATION_NAMES.find((n) => present.has(n)) ?? null;
  const ignoredSplits = [...present].filter((s) => s !== valName);

  const seen = new Map<string, number>();
  const cands: Array<{ abs: string; rel: string; label: string; split: Split; row: ManifestRow }> = [];
  for (const row of rows) {
    if (row.split !== null && row.split !== 'train' && row.split !== valName) continue;
    const abs = isAbsolute(row.path) ? resolve(row.path) : resolve(root, row.path);
    const rel = toPosix(relative(root, abs));
    const first = seen.get(rel);
    if (first !== undefined) {
      skipped.push({ path: file, reason: 'bad-manifest-row', detail: `line ${row.line}: ${row.path} is already listed on line ${first}` });
      continue;
    }
    seen.set(rel, row.line);
    if (!isImageName(abs)) {
      skipped.push({ path: abs, reason: 'not-an-image', detail: `listed on line ${row.line} of ${file}, extension is not an image's` });
      continue;
    }
    const split: Split = row.split === null ? hashSplit(rel) : row.split === 'train' ? 'train' : 'val';
    cands.push({ abs, rel, label: row.label, split, row });
  }
  const checked = await checkUnlessKnown(cands, pacer, known);
  const images: ImageEntry[] = [];
  let hashSplitCount = 0;
  checked.forEach((r, i) => {
    const c = cands[i];
    if ('reason' in r) {
      skipped.push({ ...r, detail: `${r.detail ?? r.reason}; listed on line ${c.row.line} of ${file}` });
      return;
    }
    if (c.row.split === null) hashSplitCount++;
    images.push({ path: c.abs, rel: c.rel, label: c.label, split: c.split, size: r.size, mtimeMs: r.mtimeMs });
  });
  return { root, layout: 'manifest', validationSource: valName, images, skipped, ignoredSplits, hashSplitCount };
}
