import type { LinearHead, Matrix } from './types';
import type { ClassIndex } from './classIndex';
import type { ClassRanking } from './spuriosity';
import type { HeadEvaluation } from './mitigate';
import { predict } from './linalg';
import { spuriousGap } from './gap';

/**
 * An `evaluate` callback for mitigate: predicts every validation image with the candidate head and returns the mean
 * spurious gap over ranked classes (no bootstrap) and the validation accuracy over all classes. Rankings depend only on
 * features, so they are computed once by the caller; only predictions change between epochs.
 */
export function gapEvaluator(features: Matrix, labels: Int32Array, index: ClassIndex, rankings: (ClassRanking | null)[], k = 10): (head: LinearHead) => HeadEvaluation {
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
    return { meanGap: spuriousGap(rankings, correct, { k, bootstrap: 0 }).mean, valAccuracy: valImages.length ? hits / valImages.length : NaN };
  };
}
