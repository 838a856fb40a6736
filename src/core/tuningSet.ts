import type { ClassIndex } from './classIndex';
import type { ClassRanking } from './spuriosity';
import { mulberry32, sampleWithoutReplacement } from './random';

import type { TuningMethod } from './vocabulary';

export type { TuningMethod };

/** Options of selectTuningSet. */
export interface TuningSetOptions {
  method: TuningMethod;
  /** Images per class (default 100), capped at the class's training size. */
  k?: number;
  seed?: number;
  /** Also add k random training images of each class WITHOUT a spurious feature (default false: the paper's recipe). */
  includeOtherClasses?: boolean;
  /** Predicted class per image under the starting head; required by 'error'. */
  predictions?: Int32Array;
}

/**
 * Training images to fine-tune on, per class that has a ranking (section 4.3): 'low-spuriosity' takes the k lowest-spuriosity
 * images, 'random' k random ones, 'error' the misclassified ones (randomly subsampled to k, or padded with random
 * correctly classified ones). Returns image indices, classes in ascending order.
 */
export function selectTuningSet(rankings: (ClassRanking | null)[], index: ClassIndex, opts: TuningSetOptions): Int32Array {
  const k = opts.k ?? 100;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k (tuning images per class) must be a positive integer, got ${k}`);
  if (opts.method === 'error' && !opts.predictions) throw new RangeError("method 'error' needs the starting head's predictions");
  const rng = mulberry32(opts.seed ?? 0);
  const out: number[] = [];
  for (let c = 0; c < index.classes; c++) {
    const r = rankings[c] ?? null;
    const imgs = index.train[c];
    if (!r) {
      if (opts.includeOtherClasses) out.push(...sampleWithoutReplacement(rng, imgs, k));
      continue;
    }
    if (opts.method === 'low-spuriosity') {
      out.push(...r.train.order.subarray(0, Math.min(k, r.train.order.length)));
    } else if (opts.method === 'random') {
      out.push(...sampleWithoutReplacement(rng, imgs, k));
    } else {
      const pred = opts.predictions!;
      const wrong: number[] = [];
      const right: number[] = [];
      for (const i of imgs) (pred[i] === c ? right : wrong).push(i);
      if (wrong.length >= k) out.push(...sampleWithoutReplacement(rng, wrong, k));
      else out.push(...wrong, ...sampleWithoutReplacement(rng, right, k - wrong.length));
    }
  }
  return Int32Array.from(out);
}
