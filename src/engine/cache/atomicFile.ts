// Crash-safe file primitives for the cache: durable numbered commits and whole-file reads.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';

/** True when a process with this id exists (EPERM: it exists but is not ours). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let tmpCounter = 0;

/**
 * This machine's tag in temp file names. Several machines may write one cache folder on a network file system
 * (sharded extraction): a process id says nothing about another host's processes, so only our own temps are
 * judged by pid; another host's are left alone until they are a day old.
 */
export const HOST_TAG = `h${hostname().replace(/[^A-Za-z0-9]/g, '').slice(0, 40) || 'unknown'}`;
const TEMP_RE = /^tmp-(\d+)-(?:(h[A-Za-z0-9]+)-)?/;
const FOREIGN_TEMP_MAX_AGE_MS = 24 * 3600 * 1000;

/** Whether `name` in dir is a temp file left by a dead writer (null: not a temp file); temps without a host tag are taken as ours. */
export async function deadTemp(dir: string, name: string): Promise<boolean | null> {
  const m = TEMP_RE.exec(name);
  if (!m) return null;
  if (!m[2] || m[2] === HOST_TAG) return !pidAlive(Number(m[1]));
  const st = await fsp.stat(join(dir, name)).catch(() => null);
  return st !== null && Date.now() - st.mtimeMs > FOREIGN_TEMP_MAX_AGE_MS;
}

/** Reads a file with few large reads: fs.readFile's 512 kB chunks cost seconds on a 1 GB shard. */
export async function readWhole(file: string): Promise<Buffer> {
  const fh = await fsp.open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const buf = Buffer.allocUnsafe(size);
    let done = 0;
    while (done < size) {
      const { bytesRead } = await fh.read(buf, done, Math.min(size - done, 1 << 30), done);
      if (bytesRead === 0) throw new Error(`file shrank to ${done} bytes while being read`);
      done += bytesRead;
    }
    return buf;
  } finally {
    await fh.close();
  }
}

/** Fsyncs a directory so a new name in it is durable; unsupported on some platforms (Windows): best effort. */
export async function syncDir(dir: string): Promise<void> {
  try {
    const d = await fsp.open(dir, 'r');
    try { await d.sync(); } finally { await d.close(); }
  } catch { /* best effort */ }
}

/**
 * Writes buf to `tmp-<pid>-<host>-...` in dir, fsyncs it, then gives it the first free name nameOf(seq)
 * with seq >= firstSeq, fsyncs the directory and returns seq. A final name therefore always holds
 * a complete file; a kill leaves at most a temp file, which readers ignore.
 */
export async function commitFile(dir: string, buf: Buffer, firstSeq: number, nameOf: (seq: number) => string): Promise<number> {
  const tmp = join(dir, `tmp-${process.pid}-${HOST_TAG}-${Date.now()}-${tmpCounter++}`);
  const fh = await fsp.open(tmp, 'wx');
  try {
    await fh.writeFile(buf);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    for (let seq = firstSeq; ; seq++) {
      const dest = join(dir, nameOf(seq));
      try {
        // link() never overwrites: another process that took this number makes us try the next.
        await fsp.link(tmp, dest);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
        // Filesystems without hard links: fall back to rename after checking the name is free.
        if (await fsp.stat(dest).then(() => true, () => false)) continue;
        await fsp.rename(tmp, dest);
      }
      await syncDir(dir);
      return seq;
    }
  } finally {
    await fsp.rm(tmp, { force: true }).catch(() => undefined);
  }
}
