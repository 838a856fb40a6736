import type { LinearHead, Matrix } from './types';
import type { ClassIndex } from './classIndex';
import type { ClassRanking } from './spuriosity';
import type { HeadEvaluation } from './mitigate';
import { predict } from './linalg';
import { DEFAULT_GAP_K, spuriousGap, type GapSummary } from './gap';

/**
 * Standard error of a mean gap from its classes' end accuracies: each end is a binomial proportion of k images,
 * smoothed ((hits + 0.5) / (k + 1)) so an end at 0 or 1 still has a variance; classes are independent.
 */
export function meanGapSe(g: GapSummary): number {
  if (!g.classes.length) return NaN;
  const v = (p: number, k: number) => { const q = (p * k + 0.5) / (k + 1); return (q * (1 - q)) / k; };
  return Math.sqrt(g.classes.reduce((a, c) => a + v(c.accHigh, c.k) + v(c.accLow, c.k), 0)) / g.classes.length;
}

/**
 * An `evaluate` callback for mitigate: predicts every validation image with the candidate head and returns the mean
 * spurious gap over ranked classes (no bootstrap) with its standard error, and the validation accuracy over all classes. Rankings depend only on
 * features, so they are computed once by the caller; only predictions change between epochs.
 */
export function gapEvaluator(features: Matrix, labels: Int32Array, index: ClassIndex, rankings: (ClassRanking | null)[], k = DEFAULT_GAP_K): (head: LinearHead) => HeadEvaluation {
  const valImages = Int32Array.from(index.val.flatMap((v) => Array.from(v)));
  return (head) => {
    const pred = predict(features, head, valImages);
    const correct = new Uint8Array(features.rows);
    let hits = 0;
    for (let j = 0; j < valImages.length; j++) {
      const ok = pred[j] === labels[valImages[j]] ? 1 : 0;
      correct[valImages[j]] = ok;
      hits += ok;
    }
    const g = spuriousGap(rankings, correct, { k, bootstrap: 0 });
    return { meanGap: g.mean, meanGapSe: meanGapSe(g), valAccuracy: valImages.length ? hits / valImages.length : NaN };
  };
}
