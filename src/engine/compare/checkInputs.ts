// Up-front checks of a comparison's inputs: a typo in the fifth --model or a missing probe folder should stop the run
// before the first model is extracted (which can take an hour), not when the loop reaches it.
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { discoverDataset } from '../dataset/discover';
import { loadModel } from '../model/loadModel';
import type { ModelInfo } from '../model/types';
import type { Runner } from '../runner/runner';

/** Loads a model far enough to know it is a classifier the engine can use; throws an error naming the file otherwise. */
export type ModelChecker = Runner<{ modelPath: string }, ModelInfo>;

/** Checks a model with the engine's loader in this process (reads, hashes and adapts the graph; the bytes are dropped). */
export const checkModelInProcess: ModelChecker = async ({ modelPath }) => (await loadModel(modelPath)).info;

/** Thrown before anything is extracted when some inputs of a comparison are unusable; lists every problem found. */
export class CompareInputError extends Error {
  override readonly name = 'CompareInputError';
  /** One sentence per unusable input, each naming the file or folder. */
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`cannot compare, nothing was extracted: ${problems.join('; ')}`);
    this.problems = problems;
  }
}

const message = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The error's message, prefixed with the file unless it already names it. */
export function namingFile(path: string, e: unknown): string {
  const m = message(e);
  return m.includes(path) ? m : `${path}: ${m}`;
}

/** Checks every model in turn (one in memory at a time); the infos of the usable ones (null for the others) and the problems. */
export async function checkModels(paths: string[], check: ModelChecker): Promise<{ infos: Array<ModelInfo | null>; problems: string[] }> {
  const infos: Array<ModelInfo | null> = [];
  const problems: string[] = [];
  for (const p of paths) {
    try {
      infos.push(await check({ modelPath: p }));
    } catch (e) {
      infos.push(null);
      problems.push(namingFile(p, e));
    }
  }
  return { infos, problems };
}

/**
 * Checks a probe folder for `annotateFromProbes`: `<dir>/cue/<class>/` (the cue alone) and `<dir>/object/<class>/` (the
 * object on a plain background) with at least one image for each of `classes`. Returns the problems (empty when usable).
 */
export async function checkProbeFolder(dir: string, classes: string[]): Promise<string[]> {
  const expected = `expected cue/<class>/ and object/<class>/ image folders (the cue alone, the object on a plain background) for each of the ${classes.length} dataset classes`;
  try {
    if (!(await fsp.stat(dir)).isDirectory()) return [`probe folder ${dir} is a file; ${expected}`];
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return [`probe folder ${dir} ${code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? message(e)})`}; ${expected}`];
  }
  const problems: string[] = [];
  for (const kind of ['cue', 'object']) {
    const sub = join(dir, kind);
    let found: Set<string>;
    try {
      if (!(await fsp.stat(sub)).isDirectory()) throw new Error('not a folder');
      found = new Set((await discoverDataset(sub)).images.map((e) => e.label));
    } catch {
      problems.push(`probe folder ${dir} has no usable ${kind}/ folder; ${expected}`);
      continue;
    }
    const missing = classes.filter((c) => !found.has(c));
    if (missing.length) {
      const shown = missing.slice(0, 5).map((c) => `"${c}"`).join(', ') + (missing.length > 5 ? ` and ${missing.length - 5} more` : '');
      problems.push(`probe folder ${sub} has no images for class(es) ${shown}; ${expected}`);
    }
  }
  return problems;
}
