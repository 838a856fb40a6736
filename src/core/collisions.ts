import type { Split } from './types';
import type { ClassIndex } from './classIndex';
import type { ClassRanking } from './spuriosity';
import { highestSpuriosity } from './gap';

/** A spurious feature of one class that is a core feature of another (section 5). */
export interface Collision {
  /** c1: the class for which the feature is spurious. */
  spuriousClass: number;
  feature: number;
  /** c2: the class for which it is core. */
  coreClass: number;
  /** 'annotated-core': labeled core for c2; 'top-feature': among c2's top features and not labeled for c2. */
  evidence: 'annotated-core' | 'top-feature';
  /** Images of c1 in the split, and the fraction of them predicted as c2. */
  n: number;
  confusion: number;
  /** c1's highest-spuriosity images in the split (up to topK), and the fraction of them predicted as c2. */
  nTop: number;
  confusionTop: number;
}

/** Inputs of findCollisions; feature lists are per class index. */
export interface CollisionInput {
  spurious: number[][];
  core: number[][];
  /** Each class's top features by importance (unlabeled ones count as core evidence). */
  topFeatures: number[][];
  rankings: (ClassRanking | null)[];
  predictions: Int32Array;
  index: ClassIndex;
  /** Split to count confusions on (default 'val'). */
  split?: Split;
  /** How many highest-spuriosity images to look at (default 10). */
  topK?: number;
}

/**
 * Spurious feature collisions: for every spurious feature of c1 that is core for some c2 != c1, how often c1's images
 * are predicted as c2, overall and among c1's highest-spuriosity images (where the cue is strongest). Sorted by
 * confusionTop, then confusion, descending.
 */
export function findCollisions(input: CollisionInput): Collision[] {
  const { spurious, core, topFeatures, rankings, predictions, index } = input;
  const split = input.split ?? 'val';
  const topK = input.topK ?? 10;
  const C = index.classes;
  const coreOf = new Map<number, { cls: number; evidence: Collision['evidence'] }[]>();
  const add = (f: number, cls: number, evidence: Collision['evidence']): void => {
    const l = coreOf.get(f) ?? [];
    if (!l.some((e) => e.cls === cls)) l.push({ cls, evidence });
    coreOf.set(f, l);
  };
  for (let c = 0; c < C; c++) {
    for (const f of core[c] ?? []) add(f, c, 'annotated-core');
    const labeled = new Set([...(core[c] ?? []), ...(spurious[c] ?? [])]);
    for (const f of topFeatures[c] ?? []) if (!labeled.has(f)) add(f, c, 'top-feature');
  }
  const out: Collision[] = [];
  for (let c1 = 0; c1 < C; c1++) {
    const feats = spurious[c1] ?? [];
    if (!feats.length) continue;
    const images = split === 'val' ? index.val[c1] : index.train[c1];
    const r = rankings[c1];
    const top = r ? highestSpuriosity(split === 'val' ? r.val : r.train, topK) : [];
    for (const f of feats) {
      for (const { cls: c2, evidence } of coreOf.get(f) ?? []) {
        if (c2 === c1) continue;
        let hits = 0;
        for (const i of images) if (predictions[i] === c2) hits++;
        let topHits = 0;
        for (const i of top) if (predictions[i] === c2) topHits++;
        out.push({
          spuriousClass: c1, feature: f, coreClass: c2, evidence, n: images.length,
          confusion: images.length ? hits / images.length : NaN, nTop: top.length, confusionTop: top.length ? topHits / top.length : NaN,
        });
      }
    }
  }
  const key = (v: number): number => (Number.isNaN(v) ? -1 : v);
  out.sort((a, b) => key(b.confusionTop) - key(a.confusionTop) || key(b.confusion) - key(a.confusion)
    || a.spuriousClass - b.spuriousClass || a.feature - b.feature || a.coreClass - b.coreClass);
  return out;
}
