import { fitHead } from '../../core/headFit';
import { SPLIT_TRAIN } from '../../core/classIndex';
import type { LinearHead, Matrix } from '../../core/types';

/**
 * Fits the dataset's own linear head on its training split (paper section 3.2: a new head on frozen features for
 * datasets whose classes the model does not know). Deterministic: L-BFGS from zero weights, so it needs no seed.
 */
export function fitDatasetHead(features: Matrix, labels: Int32Array, split: Uint8Array, classes: number): LinearHead {
  const rows: number[] = [];
  for (let i = 0; i < labels.length; i++) if (split[i] === SPLIT_TRAIN && labels[i] >= 0) rows.push(i);
  if (rows.length === 0) throw new Error('Cannot fit a head: the training split has no labeled images (valid: a train/ folder or manifest rows with split "train")');
  return fitHead(features, labels, classes, rows).head;
}
