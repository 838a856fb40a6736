import { resolve, sep } from 'node:path';
import type { Dataset } from './types';

/** Drops skipped-file reports under `dir` (our own cache folder inside a dataset is not a user file worth reporting). */
export function withoutSkippedUnder(dataset: Dataset, dir: string): Dataset {
  const root = resolve(dir);
  return { ...dataset, skipped: dataset.skipped.filter((s) => { const p = resolve(s.path); return p !== root && !p.startsWith(root + sep); }) };
}
