// Review files on disk, written like annotation files: a temporary file, fsync and rename so a crash never leaves
// half a file, and a file that no longer parses (a hand edit gone wrong) is never overwritten: the decisions in it
// are worth more than the write.
import { join } from 'node:path';
import { readTextIfExists, replaceValidFile } from '../fs/userFile';
import { applyReviewChange, emptyReview, parseReview, serializeReview, type ReviewChange, type ReviewFile, type ReviewMark } from './reviewFile';

/** Default location: `<dataset>/.spuriosity/review.json`, beside the annotation files (one per dataset: marks are about images, not models). */
export function defaultReviewPath(datasetRoot: string): string {
  return join(datasetRoot, '.spuriosity', 'review.json');
}

/** Reads and validates a review file; null when it does not exist. Throws ReviewFileError (file:line:col) when malformed. */
export async function readReviewFile(path: string): Promise<ReviewFile | null> {
  const text = await readTextIfExists(path, 'review file');
  return text === null ? null : parseReview(text, path);
}

/** Writes a review file atomically (temp file in the same folder, fsync, rename); refuses when the file there does not parse. */
export async function writeReviewFile(path: string, file: ReviewFile): Promise<void> {
  await replaceValidFile(path, serializeReview(file), 'review file', readReviewFile, 'mark again');
}

/** Image ids a review excluded, read from `path` (none when the file does not exist). Throws, naming the file, when malformed. */
export async function reviewExcluded(path: string): Promise<string[]> {
  const f = await readReviewFile(path);
  return f ? Object.entries(f.images).filter(([, m]) => m.excluded).map(([id]) => id) : [];
}

/** A review file kept in memory: every change is persisted (serially) before it resolves. */
export class ReviewFileStore {
  private queue: Promise<void> = Promise.resolve();

  private constructor(readonly path: string, private current: ReviewFile, private readonly now: () => Date) {}

  /** Opens (or starts, without writing yet) the review file at `path`; throws ReviewFileError when it is malformed. */
  static async open(path: string, dataset: string, now: () => Date = () => new Date()): Promise<ReviewFileStore> {
    return new ReviewFileStore(path, (await readReviewFile(path)) ?? emptyReview(dataset), now);
  }

  /** The file as last persisted. */
  get file(): ReviewFile {
    return this.current;
  }

  /** The marks of one image, or undefined. */
  mark(id: string): ReviewMark | undefined {
    return Object.prototype.hasOwnProperty.call(this.current.images, id) ? this.current.images[id] : undefined;
  }

  /** Ids of the excluded images. */
  excluded(): string[] {
    return Object.entries(this.current.images).filter(([, m]) => m.excluded).map(([id]) => id);
  }

  /** Ids of the images flagged as label errors. */
  labelErrors(): Set<string> {
    return new Set(Object.entries(this.current.images).filter(([, m]) => m.labelError).map(([id]) => id));
  }

  /**
   * Sets or clears flags of one image and writes the file; the in-memory state changes only once the write succeeded.
   * The change goes onto the file as it is on disk now, so a hand edit made meanwhile is kept (and a file that no
   * longer parses is refused, naming file:line:col).
   */
  change(id: string, change: ReviewChange): Promise<void> {
    const run = this.queue.then(async () => {
      const latest = (await readReviewFile(this.path)) ?? this.current;
      const next = applyReviewChange(latest, id, change, this.now().toISOString());
      await writeReviewFile(this.path, next);
      this.current = next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
