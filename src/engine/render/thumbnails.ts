import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImageEntry } from '../dataset/types';
import { writeThumbnail, type DecodeOptions } from '../native/sharp';

/** Longest side of gallery thumbnails, in pixels: two tiles per 256 px of gallery width at 2x DPI. */
export const THUMB_SIZE = 128;

/** Thumbnails on disk, keyed by an image's path, size and mtime so an edited image gets a new one. */
export class ThumbnailCache {
  private readonly pending = new Map<string, Promise<string>>();

  constructor(readonly dir: string, readonly decode: DecodeOptions, readonly size = THUMB_SIZE) {}

  /** The thumbnail file for an image, made on first request; concurrent requests share one job. */
  ensure(entry: ImageEntry): Promise<string> {
    const key = imageKey(entry, `t${this.size}`);
    const dest = join(this.dir, key.slice(0, 2), `${key}.webp`);
    let job = this.pending.get(dest);
    if (!job) {
      job = this.make(entry, dest).finally(() => this.pending.delete(dest));
      this.pending.set(dest, job);
    }
    return job;
  }

  private async make(entry: ImageEntry, dest: string): Promise<string> {
    if (await exists(dest)) return dest;
    await mkdir(join(dest, '..'), { recursive: true });
    await writeThumbnail(entry.path, dest, this.size, this.decode);
    return dest;
  }
}

/** A stable file-name-safe key for an image version plus a variant tag. */
export function imageKey(entry: ImageEntry, variant: string): string {
  return createHash('sha1').update(`${entry.rel}\0${entry.size}\0${entry.mtimeMs}\0${variant}`).digest('hex');
}

/** True when a path exists. */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
