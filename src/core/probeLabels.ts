import type { Matrix } from './types';

/** Mean activation of each feature over the given rows (NaN for an empty set). */
export function meanActivations(features: Matrix, rows: ArrayLike<number>): Float64Array {
  const out = new Float64Array(features.cols);
  if (rows.length === 0) return out.fill(NaN);
  for (let j = 0; j < rows.length; j++) {
    const o = rows[j] * features.cols;
    for (let d = 0; d < features.cols; d++) out[d] += features.data[o + d];
  }
  for (let d = 0; d < features.cols; d++) out[d] /= rows.length;
  return out;
}

/** A probe-based verdict on one (class, feature) pair. */
export interface ProbeVerdict {
  feature: number;
  spurious: boolean;
  /** Mean activation on the class's cue-alone probes and on its object-on-plain-background probes. */
  cueMean: number;
  objectMean: number;
}

/**
 * Labels a class's top features from probe images with a known content: a feature is spurious when it responds more
 * to the cue drawn alone than to the class object on a plain background. A stand-in for the human (or the paper's
 * segmentation-based automation, section 3.3) on benchmarks that can render cue and object apart.
 */
export function labelByProbes(top: number[], cueMeans: Float64Array, objectMeans: Float64Array): ProbeVerdict[] {
  return top.map((feature) => {
    const cueMean = cueMeans[feature];
    const objectMean = objectMeans[feature];
    if (!Number.isFinite(cueMean) || !Number.isFinite(objectMean)) {
      throw new RangeError(`feature ${feature}: probe means must be finite (cue ${cueMean}, object ${objectMean}); are both probe sets non-empty?`);
    }
    return { feature, spurious: cueMean > objectMean, cueMean, objectMean };
  });
}
