// Files people keep and may edit by hand (annotations, review marks): read when there, and replaced atomically only
// while the file already there still parses, since the decisions in a file that no longer parses (a hand edit gone
// wrong) are worth more than the write.
import { readFile } from 'node:fs/promises';
import { writeAtomic } from './writeAtomic';

/** The file's text, or null when it does not exist; other read errors name the file and what it is. */
export async function readTextIfExists(path: string, what: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`cannot read ${what} ${path}: ${(e as Error).message}`);
  }
}

/**
 * Writes text to path atomically (writeAtomic) unless the file there does not pass `readValid` (which throws for a
 * malformed file): then refuses, naming the file, the problem and what to do (`thenAgain`, e.g. "save again").
 */
export async function replaceValidFile(path: string, text: string, what: string, readValid: (path: string) => Promise<unknown>, thenAgain: string): Promise<void> {
  try {
    await readValid(path);
  } catch (e) {
    throw new Error(`refusing to overwrite ${path}, which is not a valid ${what} (${(e as Error).message}); fix or move it, then ${thenAgain}`);
  }
  try {
    await writeAtomic(path, text);
  } catch (e) {
    throw new Error(`cannot write ${what} ${path}: ${(e as Error).message}`);
  }
}
