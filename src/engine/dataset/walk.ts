// Filesystem walking for ImageFolder layouts: hidden entries, symlinks (followed, loops
// caught by realpath), non-images and unreadable files, all reported, never thrown (zero-byte images are kept for decoding to report).
//
// Why synchronous calls: measured on 100k files, 100k fs.promises.stat calls cost ~3.3 s of
// CPU (thread pool hand-offs and promises) against ~0.5 s for statSync, and CPU is what a
// 2-core machine running inference lacks. The Pacer yields to the event loop every few
// milliseconds, so the host stays responsive while a large tree is walked.
import { accessSync, constants as fsc, readdirSync, realpathSync, statSync, type Dirent, type Stats } from 'node:fs';
import { extname, join } from 'node:path';
import type { SkippedFile } from './types';

/** Lower-case extensions (with the dot) that the dataset treats as images. */
export const DATASET_IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

/** Whether a file name has an image extension (case-insensitive). */
export function isImageName(name: string): boolean {
  return DATASET_IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** Files Spuriosity Lens itself writes (Export Report, tuned-head exports): not user data, so never reported as skipped. */
const OWN_OUTPUT = /^(spuriosity-report|tuned-head)[^/\\]*\.(html|md|json|npy|onnx)$/i;

/** Whether a file name is one of our own exports (a report or a tuned head saved into the dataset). */
export function isOwnOutputName(name: string): boolean {
  return OWN_OUTPUT.test(name);
}

/** Breaks a long run of synchronous fs calls into slices, yielding to the event loop between them. */
export class Pacer {
  private last = Date.now();
  constructor(private readonly sliceMs: number = 8) {}
  /** Call between units of work: resolves at once, or after a yield once the slice is used up. */
  async tick(): Promise<void> {
    if (Date.now() - this.last < this.sliceMs) return;
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.last = Date.now();
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
const byName = (a: ListedEntry, b: ListedEntry): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * Lists one directory: sub-directories and files, following symlinks. Hidden entries are
 * skipped; a symlink to one of `ancestors` (real paths of the directories above, including
 * this one) is a loop; a dangling symlink is 'missing'; an unlistable directory 'unreadable'.
 */
export function listDir(abs: string, rel: string, real: string, ancestors: ReadonlySet<string>, skipped: SkippedFile[]): { dirs: ListedEntry[]; files: ListedEntry[] } {
  const dirs: ListedEntry[] = [];
  const files: ListedEntry[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch (e) {
    skipped.push({ path: abs, reason: 'unreadable', detail: `cannot list the folder (${errText(e)})` });
    return { dirs, files };
  }
  // join(abs, name) for a plain name (no separator, never . or ..) is this prefix plus the name: one join per folder
  // instead of one per file (path.join was a second of a 1.33M-image discovery)
  const prefix = join(abs, '_').slice(0, -1);
  for (const d of entries) {
    const name = d.name;
    const childAbs = prefix + name;
    const childRel = rel === '' ? name : `${rel}/${name}`;
    if (name.startsWith('.')) {
      skipped.push({ path: childAbs, reason: 'hidden', detail: d.isDirectory() ? 'hidden folder' : 'hidden file' });
      continue;
    }
    if (d.isFile()) {
      if (!isOwnOutputName(name)) files.push({ name, abs: childAbs, rel: childRel, real: '' });
      continue;
    }
    if (d.isDirectory()) { dirs.push({ name, abs: childAbs, rel: childRel, real: join(real, name) }); continue; }
    // A symlink, or a type readdir could not tell: stat follows the link.
    try {
      const st = statSync(childAbs);
      if (st.isDirectory()) {
        const childReal = realpathSync(childAbs);
        if (ancestors.has(childReal)) skipped.push({ path: childAbs, reason: 'symlink-loop', detail: `points back to ${childReal}, which contains it` });
        else dirs.push({ name, abs: childAbs, rel: childRel, real: childReal });
      } else if (st.isFile()) {
        files.push({ name, abs: childAbs, rel: childRel, real: '' });
      } else {
        skipped.push({ path: childAbs, reason: 'not-an-image', detail: 'not a regular file' });
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ELOOP') skipped.push({ path: childAbs, reason: 'symlink-loop', detail: 'the symlink chain never ends' });
      else if (code === 'ENOENT') skipped.push({ path: childAbs, reason: 'missing', detail: 'dangling symlink' });
      else skipped.push({ path: childAbs, reason: 'unreadable', detail: errText(e) });
    }
  }
  // readdir order is the filesystem's: sort so every run lists the same way.
  dirs.sort(byName);
  files.sort(byName);
  return { dirs, files };
}

/** Every image file under a directory (any depth), with non-images and loops reported in `skipped`. */
export async function collectImages(dir: ListedEntry, ancestors: ReadonlySet<string>, skipped: SkippedFile[], pacer: Pacer): Promise<ListedEntry[]> {
  const images: ListedEntry[] = [];
  const walk = async (d: ListedEntry, above: ReadonlySet<string>): Promise<void> => {
    await pacer.tick();
    const here = new Set(above).add(d.real);
    const { dirs, files } = listDir(d.abs, d.rel, d.real, here, skipped);
    for (const f of files) {
      if (isImageName(f.name)) images.push(f);
      else skipped.push({ path: f.abs, reason: 'not-an-image', detail: `extension '${extname(f.name) || '(none)'}' is not one of ${[...DATASET_IMAGE_EXTENSIONS].join(' ')}` });
    }
    for (const sub of dirs) await walk(sub, here);
  };
  await walk(dir, ancestors);
  return images;
}

const uid = typeof process.getuid === 'function' ? process.getuid() : -1;
const groups = new Set<number>(typeof process.getgroups === 'function' ? process.getgroups() : []);
if (typeof process.getgid === 'function') groups.add(process.getgid());

/** Whether the mode bits grant this process read access; root (and platforms without uids) always pass. */
function modeAllowsRead(st: Stats): boolean {
  if (uid <= 0) return true;
  if (st.uid === uid) return (st.mode & 0o400) !== 0;
  if (groups.has(st.gid)) return (st.mode & 0o040) !== 0;
  return (st.mode & 0o004) !== 0;
}

/**
 * Size and mtime of a file, or why it cannot be used: no read permission 'unreadable', gone 'missing'. A zero-byte
 * image is kept: it is an image that cannot be read, so decoding reports it among the failures (reason 'empty'),
 * beside corrupt and truncated ones, rather than among the files that are no images at all.
 */
export function checkFile(abs: string): { size: number; mtimeMs: number } | SkippedFile {
  try {
    const st = statSync(abs);
    if (!st.isFile()) return { path: abs, reason: 'not-an-image', detail: 'not a regular file' };
    // The mode bits answer for nearly every file without a second syscall per image; when
    // they say no, ask the kernel, which also knows about ACLs and capabilities.
    if (!modeAllowsRead(st)) accessSync(abs, fsc.R_OK);
    return { size: st.size, mtimeMs: st.mtimeMs };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { path: abs, reason: 'missing', detail: 'no such file' };
    if (code === 'ELOOP') return { path: abs, reason: 'symlink-loop', detail: 'the symlink chain never ends' };
    return { path: abs, reason: 'unreadable', detail: errText(e) };
  }
}

/** checkFile over many paths, yielding to the event loop between slices. */
export async function checkFiles(paths: readonly string[], pacer: Pacer): Promise<Array<{ size: number; mtimeMs: number } | SkippedFile>> {
  const out = new Array<{ size: number; mtimeMs: number } | SkippedFile>(paths.length);
  for (let i = 0; i < paths.length; i++) {
    if ((i & 63) === 0) await pacer.tick();
    out[i] = checkFile(paths[i]);
  }
  return out;
}
