// Annotation files on disk. Writes go through a temporary file, fsync and rename so a crash never leaves half a
// file, and a file that no longer parses (e.g. a hand edit gone wrong) is never overwritten: the user's labels in it
// are worth more than the write.
import { join } from 'node:path';
import { readTextIfExists, replaceValidFile } from '../fs/userFile';
import {
  emptyAnnotations, parseAnnotations, serializeAnnotations, setFeatureLabel, type AnnotationFile,
} from '../../core/annotations';
import type { FeatureVerdict, LabelStore } from './labelStore';

/** Default location: `<dataset>/.spuriosity/annotations.<first 8 hex digits of the model's sha256>.json`. */
export function defaultAnnotationPath(datasetRoot: string, modelSha256: string): string {
  if (!/^[0-9a-f]{8}/.test(modelSha256)) throw new RangeError(`model sha256 must start with 8 lowercase hex digits, got "${modelSha256}"`);
  return join(datasetRoot, '.spuriosity', `annotations.${modelSha256.slice(0, 8)}.json`);
}

/** Reads and validates an annotation file; null when it does not exist. Throws AnnotationError (file:line:col) when malformed. */
export async function readAnnotationFile(path: string): Promise<AnnotationFile | null> {
  const text = await readTextIfExists(path, 'annotation file');
  return text === null ? null : parseAnnotations(text, path);
}

/**
 * Writes an annotation file atomically (temp file in the same folder, fsync, rename), creating the folder. Refuses,
 * with an error naming file:line:col, when the file already there does not parse: fix or move it first.
 */
export async function writeAnnotationFile(path: string, file: AnnotationFile, lastWritten: string | null = null): Promise<string> {
  const text = serializeAnnotations(file);
  // a file still holding exactly what this process wrote last is valid without parsing it again (a label change at
  // ImageNet scale spent 20-30 ms re-parsing the file it had just written); any other text is parsed as before
  const valid = lastWritten === null ? readAnnotationFile : async (p: string) => {
    const now = await readTextIfExists(p, 'annotation file');
    if (now !== null && now !== lastWritten) parseAnnotations(now, p);
  };
  await replaceValidFile(path, text, 'annotation file', valid, 'save again');
  return text;
}

/** Thrown when an annotation file belongs to another model: its feature indices would mean other features. */
export class AnnotationModelMismatchError extends Error {
  constructor(readonly path: string, readonly fileSha256: string, readonly modelSha256: string) {
    super(`${path} holds labels for model ${fileSha256.slice(0, 12)}..., not for the loaded model ${modelSha256.slice(0, 12)}...: feature indices differ between models; choose another annotation file`);
    this.name = 'AnnotationModelMismatchError';
  }
}

/** A LabelStore backed by an annotation file: every change is persisted (serially) before it resolves. */
export class AnnotationFileStore implements LabelStore {
  private queue: Promise<void> = Promise.resolve();
  /** The text this store wrote last (null before its first write). */
  private written: string | null = null;

  private constructor(readonly path: string, private current: AnnotationFile, private readonly now: () => Date) {}

  /** Opens (or starts, without writing yet) the annotation file at `path` for this model and dataset. */
  static async open(path: string, model: { sha256: string; name: string }, dataset: string, now: () => Date = () => new Date()): Promise<AnnotationFileStore> {
    const existing = await readAnnotationFile(path);
    if (existing && existing.model.sha256 !== model.sha256) throw new AnnotationModelMismatchError(path, existing.model.sha256, model.sha256);
    return new AnnotationFileStore(path, existing ?? emptyAnnotations(model, dataset), now);
  }

  /** The file as last persisted. */
  get file(): AnnotationFile {
    return this.current;
  }

  /** Every labeled pair. */
  entries(): Array<{ cls: string; feature: number; verdict: FeatureVerdict }> {
    const out: Array<{ cls: string; feature: number; verdict: FeatureVerdict }> = [];
    for (const [cls, feats] of Object.entries(this.current.labels)) {
      for (const [f, a] of Object.entries(feats)) {
        const verdict: FeatureVerdict = { label: a.label };
        if (a.subtype) verdict.subtype = a.subtype;
        if (a.note !== undefined) verdict.note = a.note;
        if (a.origin) verdict.origin = { ...a.origin };
        out.push({ cls, feature: Number(f), verdict });
      }
    }
    return out;
  }

  /** Sets or clears a pair's label and writes the file; the in-memory state changes only once the write succeeded. */
  set(cls: string, feature: number, verdict: FeatureVerdict | null): Promise<void> {
    const run = this.queue.then(async () => {
      const next = setFeatureLabel(this.current, cls, feature, verdict ? { ...verdict, at: this.now().toISOString() } : null);
      this.written = await writeAnnotationFile(this.path, next, this.written);
      this.current = next;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Replaces the whole file (e.g. after a Salient ImageNet import) and writes it. */
  replace(file: AnnotationFile): Promise<void> {
    const run = this.queue.then(async () => {
      this.written = await writeAnnotationFile(this.path, file, this.written);
      this.current = file;
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
