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
  /**
   * At most this share of each class's training images (rounded up; default 1). The engine's default is 1/4: the
   * paper's 100 of ImageNet's ~1,300 images a class is the lowest 8%, while 100 of a 150-image class is two thirds of
   * it, most of them images with the cue.
   */
  maxShare?: number;
  seed?: number;
  /** Also add k random training images of each class WITHOUT a spurious feature (default false: the paper's recipe). */
  includeOtherClasses?: boolean;
  /** Predicted class per image under the starting head; required by 'error'. */
  predictions?: Int32Array;
}

/**
 * Default share cap of the tuning set per class: k = min(100, a quarter of the class). Chosen on the tuning members
 * of the mitigation benchmark family (BENCHMARKS.md): with 150-300 images a class, 100 is most of the class and most
 * of it carries the cue; on ImageNet (about 1,300 a class) the cap is 325 and the paper's 100 stands.
 */
export const TUNE_K_SHARE = 0.25;

/** Tuning images of a class with n training images: k, at most `share` of them (rounded up), at least 1 when n > 0. */
export function tuningBudget(k: number, share: number, n: number): number {
  return Math.min(k, n, Math.max(1, Math.ceil(share * n - 1e-9)));
}

/**
 * Training images to fine-tune on, per class that has a ranking (section 4.3): 'low-spuriosity' takes the k lowest-spuriosity
 * images, 'random' k random ones, 'error' the misclassified ones (randomly subsampled to k, or padded with random
 * correctly classified ones). Returns image indices, classes in ascending order.
 */
export function selectTuningSet(rankings: (ClassRanking | null)[], index: ClassIndex, opts: TuningSetOptions): Int32Array {
  const k = opts.k ?? 100;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k (tuning images per class) must be a positive integer, got ${k}`);
  const share = opts.maxShare ?? 1;
  if (!(share > 0 && share <= 1)) throw new RangeError(`maxShare (share of a class's training images) must be in (0, 1], got ${share}`);
  if (opts.method === 'error' && !opts.predictions) throw new RangeError("method 'error' needs the starting head's predictions");
  const rng = mulberry32(opts.seed ?? 0);
  const out: number[] = [];
  for (let c = 0; c < index.classes; c++) {
    const r = rankings[c] ?? null;
    const imgs = index.train[c];
    const kc = tuningBudget(k, share, imgs.length);
    if (!r) {
      if (opts.includeOtherClasses) out.push(...sampleWithoutReplacement(rng, imgs, kc));
      continue;
    }
    if (opts.method === 'low-spuriosity') {
      out.push(...r.train.order.subarray(0, kc));
    } else if (opts.method === 'random') {
      out.push(...sampleWithoutReplacement(rng, imgs, kc));
    } else {
      const pred = opts.predictions!;
      const wrong: number[] = [];
      const right: number[] = [];
      for (const i of imgs) (pred[i] === c ? right : wrong).push(i);
      if (wrong.length >= kc) out.push(...sampleWithoutReplacement(rng, wrong, kc));
      else out.push(...wrong, ...sampleWithoutReplacement(rng, right, kc - wrong.length));
    }
  }
  return Int32Array.from(out);
}
