// Filesystem walking for ImageFolder layouts: hidden entries, symlinks (followed, loops
// caught by realpath), non-images, empty and unreadable files, all reported, never thrown.
import { promises as fsp, constants as fsc, type Dirent } from 'node:fs';
import { extname, join } from 'node:path';
import type { SkippedFile } from './types';

/** Lower-case extensions (with the dot) that the dataset treats as images. */
export const DATASET_IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

/** Whether a file name has an image extension (case-insensitive). */
export function isImageName(name: string): boolean {
  return DATASET_IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** Runs fn over items with at most `limit` calls in flight; results keep the input order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

/** Counts the fs calls in flight across a whole walk, so a wide tree cannot open thousands of directories at once. */
export class Gate {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(private readonly limit: number) {}
  /** Runs fn once a slot is free. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    // A finishing call hands its slot straight to the next waiter, so the limit is never exceeded.
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

/** A directory or file found by listDir, symlinks already resolved to what they point at. */
export interface ListedEntry {
  name: string;
  abs: string;
  /** Path relative to the dataset root, forward slashes. */
  rel: string;
  /** The directory's real path (for loop detection); '' for files. */
  real: string;
}

const errText = (e: unknown): string => (e as NodeJS.ErrnoException)?.code ?? (e as Error)?.message ?? String(e);

/**
 * Lists one directory: sub-directories and files, following symlinks. Hidden entries are
 * skipped; a symlink to one of `ancestors` (real paths of the directories above, including
 * this one) is a loop; a dangling symlink is 'missing'; an unlistable directory 'unreadable'.
 */
export async function listDir(abs: string, rel: string, real: string, ancestors: ReadonlySet<string>, skipped: SkippedFile[], gate: Gate): Promise<{ dirs: ListedEntry[]; files: ListedEntry[] }> {
  const dirs: ListedEntry[] = [];
  const files: ListedEntry[] = [];
  let entries: Dirent[];
  try {
    entries = await gate.run(() => fsp.readdir(abs, { withFileTypes: true }));
  } catch (e) {
    skipped.push({ path: abs, reason: 'unreadable', detail: `cannot list the folder (${errText(e)})` });
    return { dirs, files };
  }
  await Promise.all(entries.map(async (d) => {
    const name = d.name;
    const childAbs = join(abs, name);
    const childRel = rel === '' ? name : `${rel}/${name}`;
    if (name.startsWith('.')) {
      skipped.push({ path: childAbs, reason: 'hidden', detail: d.isDirectory() ? 'hidden folder' : 'hidden file' });
      return;
    }
    let isDir = d.isDirectory();
    let isFile = d.isFile();
    let childReal = isDir ? join(real, name) : '';
    if (d.isSymbolicLink() || (!isDir && !isFile)) {
      // Follow the link (or learn the type where readdir could not tell it).
      try {
        const st = await gate.run(() => fsp.stat(childAbs));
        isDir = st.isDirectory();
        isFile = st.isFile();
        if (isDir) childReal = await gate.run(() => fsp.realpath(childAbs));
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') skipped.push({ path: childAbs, reason: 'symlink-loop', detail: 'the symlink chain never ends' });
        else if (code === 'ENOENT') skipped.push({ path: childAbs, reason: 'missing', detail: 'dangling symlink' });
        else skipped.push({ path: childAbs, reason: 'unreadable', detail: errText(e) });
        return;
      }
    }
    if (isDir) {
      if (ancestors.has(childReal)) {
        skipped.push({ path: childAbs, reason: 'symlink-loop', detail: `points back to ${childReal}, which contains it` });
        return;
      }
      dirs.push({ name, abs: childAbs, rel: childRel, real: childReal });
    } else if (isFile) {
      files.push({ name, abs: childAbs, rel: childRel, real: '' });
    } else {
      skipped.push({ path: childAbs, reason: 'not-an-image', detail: 'not a regular file' });
    }
  }));
  // Promise.all resolves in any order: keep listings deterministic.
  const byName = (a: ListedEntry, b: ListedEntry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  dirs.sort(byName);
  files.sort(byName);
  return { dirs, files };
}

/** Every image file under a directory (any depth), with non-images and loops reported in `skipped`. */
export async function collectImages(dir: ListedEntry, ancestors: ReadonlySet<string>, skipped: SkippedFile[], gate: Gate): Promise<ListedEntry[]> {
  const here = new Set(ancestors).add(dir.real);
  const { dirs, files } = await listDir(dir.abs, dir.rel, dir.real, here, skipped, gate);
  const images: ListedEntry[] = [];
  for (const f of files) {
    if (isImageName(f.name)) images.push(f);
    else skipped.push({ path: f.abs, reason: 'not-an-image', detail: `extension '${extname(f.name) || '(none)'}' is not one of ${[...DATASET_IMAGE_EXTENSIONS].join(' ')}` });
  }
  const nested = await Promise.all(dirs.map((d) => collectImages(d, here, skipped, gate)));
  for (const list of nested) for (const f of list) images.push(f);
  return images;
}

/** Size and mtime of a file, or why it cannot be used: zero bytes is 'empty', no read permission 'unreadable', gone 'missing'. */
export async function checkFile(abs: string, gate: Gate): Promise<{ size: number; mtimeMs: number } | SkippedFile> {
  try {
    const st = await gate.run(() => fsp.stat(abs));
    if (!st.isFile()) return { path: abs, reason: 'not-an-image', detail: 'not a regular file' };
    if (st.size === 0) return { path: abs, reason: 'empty', detail: 'the file has zero bytes' };
    // Mode bits say nothing for root, and ACLs can deny a reader the bits allow: ask the kernel.
    await gate.run(() => fsp.access(abs, fsc.R_OK));
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path: abs, reason: 'missing', detail: 'no such file' };
    if (code === 'ELOOP') return { path: abs, reason: 'symlink-loop', detail: 'the symlink chain never ends' };
    return { path: abs, reason: 'unreadable', detail: errText(e) };
  }
}
