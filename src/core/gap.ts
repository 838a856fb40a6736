import type { ClassRanking, SplitRanking } from './spuriosity';
import { mulberry32 } from './random';
import { quantile } from './stats';

/** Spurious gap of one class on its validation ranking. Accuracies and gaps are fractions in [0, 1]. */
export interface ClassGap {
  cls: number;
  /** Validation images of the class, and k used at each end (min(k, floor(n / 2))). */
  n: number;
  k: number;
  accHigh: number;
  accLow: number;
  /** accHigh - accLow. */
  gap: number;
  /** Low-spuriosity images classified better: review the class's high-spuriosity images for label noise. */
  negative: boolean;
  /** Bootstrap 95% interval of the gap, when bootstrapping was asked for; inside [-1, 1] like the gap itself. */
  ci?: [number, number];
}

/** A gap is a finding only when its 95% interval excludes 0. */
export type GapSignificance = 'negative' | 'positive' | 'not-significant';

/** 'negative' / 'positive' when the interval [lo, hi] lies entirely below / above 0, else 'not-significant'. */
export function gapSignificance(lo: number, hi: number): GapSignificance {
  if (hi < 0) return 'negative';
  if (lo > 0) return 'positive';
  return 'not-significant';
}

/**
 * Validation images a class would need for its interval to exclude 0 if the gap stayed at `gap`, or null when
 * that cannot be said (a zero gap, or no usable interval). The rule: the gap compares two means of k images each,
 * so the interval's half-width h = (hi - lo) / 2 scales as 1/sqrt(k); it must shrink below |gap|, which takes
 * k' > k (h / |gap|)^2 images at each end, i.e. n' > n (h / |gap|)^2 validation images with k kept the same share
 * of the class (k = 10 of 50 in the paper; raise the gap's k with n, since a fixed k does not narrow the interval).
 * The half-width, not the side toward 0: a skewed bootstrap interval such as [-30, 0] around -10 has a 10-point
 * side toward 0 that would promise significance with one more image. An end clamped at +-1 understates the width,
 * so then the side toward 0 (unclamped) counts when it is the larger. Always more than n when not yet significant.
 */
export function valImagesForSignificance(n: number, gap: number, lo: number, hi: number): number | null {
  if (!(n > 0) || !Number.isFinite(gap) || gap === 0 || !Number.isFinite(lo) || !Number.isFinite(hi)) return null;
  if (gapSignificance(lo, hi) !== 'not-significant') return n;
  const clamped = lo <= -1 || hi >= 1;
  const h = Math.max((hi - lo) / 2, clamped ? (gap < 0 ? hi - gap : gap - lo) : 0);
  if (!(h > 0)) return null;
  // strictly more than n (h/|gap|)^2: at equality the interval would still touch 0; the tolerance keeps float
  // noise (0.15 / 0.05 = 3.0000000000000004) from adding an image
  return Math.max(n + 1, Math.floor(n * (h / Math.abs(gap)) ** 2 + 1e-9) + 1);
}

/** Gaps of every ranked class and their mean (section 4.2). */
export interface GapSummary {
  classes: ClassGap[];
  /** Classes with a ranking but no measurable gap, with the reason. Classes without a ranking are simply absent. */
  excluded: { cls: number; reason: string }[];
  /** Mean of the class gaps (not pooled over images); NaN when no class has a gap. */
  mean: number;
  meanCi?: [number, number];
  /** Fraction of measured classes with a negative gap. */
  negativeShare: number;
}

/** Images at each end of a class's validation ranking the gap compares: the paper's k for 50 images per class. */
export const DEFAULT_GAP_K = 10;

/** The k a class's gap uses with `n` validation images: k capped at half of them, so the two ends share no image. */
export function gapKFor(k: number, n: number): number {
  return Math.min(k, Math.floor(n / 2));
}

/** Options of spuriousGap. */
export interface GapOptions {
  /** Images at each end (default DEFAULT_GAP_K). */
  k?: number;
  /** Bootstrap resamples (default 1000; 0 skips the intervals). */
  bootstrap?: number;
  seed?: number;
}

/** Positions (into the ascending ranking) ordered by spuriosity descending, ties by lower image index. */
export function descendingPositions(r: SplitRanking): Int32Array {
  const pos = Array.from({ length: r.order.length }, (_, j) => j);
  pos.sort((a, b) => (r.scores[b] - r.scores[a]) || (r.order[a] - r.order[b]));
  return Int32Array.from(pos);
}

/** The k highest-spuriosity images of a ranking (ties to the lower image index); k is not capped. */
export function highestSpuriosity(r: SplitRanking, k: number): number[] {
  return Array.from(descendingPositions(r).subarray(0, Math.max(0, k)), (p) => r.order[p]);
}

/**
 * The images at the high end of a class's gap: its k highest-spuriosity validation images with k capped as the gap
 * caps it (gapKFor). The crop re-check and the review queue look at exactly these.
 */
export function gapHighEnd(val: SplitRanking, k: number): number[] {
  return highestSpuriosity(val, gapKFor(k, val.order.length));
}

/** Correct predictions among the images at the first k of `positions` (positions index the ascending ranking). */
function correctAmongFirst(positions: ArrayLike<number>, r: SplitRanking, correct: Uint8Array, k: number): number {
  let hits = 0;
  for (let j = 0; j < k; j++) hits += correct[r.order[positions[j]]];
  return hits;
}

/**
 * Gap of one class: accuracy on its k highest-spuriosity images minus its k lowest. The high set is the k LARGEST
 * scores (the reference code's ascending `[:k]` picks the wrong end); ties at either end go to the lower image index.
 * Null when the split has fewer than 2 images.
 */
export function classGap(r: SplitRanking, correct: Uint8Array, kWant = DEFAULT_GAP_K): ClassGap | null {
  const n = r.order.length;
  const k = gapKFor(kWant, n);
  if (k < 1) return null;
  const asc = Int32Array.from({ length: n }, (_, j) => j);
  const accLow = correctAmongFirst(asc, r, correct, k) / k;
  const accHigh = correctAmongFirst(descendingPositions(r), r, correct, k) / k;
  const gap = accHigh - accLow;
  return { cls: r.cls, n, k, accHigh, accLow, gap, negative: gap < 0 };
}

/**
 * Per-class spurious gaps on the validation rankings, their mean over ranked classes, and bootstrap 95% intervals:
 * each resample draws a class's validation images with replacement (spuriosity scores held fixed) and recomputes its
 * gap; the mean's interval resamples within every class at once. Deterministic for a seed.
 */
export function spuriousGap(rankings: (ClassRanking | null)[], correct: Uint8Array, opts: GapOptions = {}): GapSummary {
  const kWant = opts.k ?? DEFAULT_GAP_K;
  const B = opts.bootstrap ?? 1000;
  if (!Number.isInteger(kWant) || kWant < 1) throw new RangeError(`k must be a positive integer, got ${kWant}`);
  if (!Number.isInteger(B) || B < 0) throw new RangeError(`bootstrap must be a non-negative integer, got ${B}`);
  const classes: ClassGap[] = [];
  const excluded: { cls: number; reason: string }[] = [];
  const measured: SplitRanking[] = [];
  for (const cr of rankings) {
    if (!cr) continue;
    const g = classGap(cr.val, correct, kWant);
    if (!g) {
      excluded.push({ cls: cr.cls, reason: `${cr.val.order.length} validation image(s); at least 2 are needed` });
      continue;
    }
    classes.push(g);
    measured.push(cr.val);
  }
  const mean = classes.length ? classes.reduce((s, g) => s + g.gap, 0) / classes.length : NaN;
  const negativeShare = classes.length ? classes.filter((g) => g.negative).length / classes.length : NaN;
  const summary: GapSummary = { classes, excluded, mean, negativeShare };
  if (B > 0 && classes.length > 0) {
    const rng = mulberry32(opts.seed ?? 0);
    const perClass = classes.map(() => new Float64Array(B));
    const means = new Float64Array(B);
    // Per class: correctness in ascending order, and the descending order as positions plus their correctness,
    // so each resample is a counting pass with no sorting.
    const corrAsc = measured.map((r) => Uint8Array.from(r.order, (i) => correct[i]));
    const desc = measured.map(descendingPositions);
    const corrDesc = measured.map((r, c) => Uint8Array.from(desc[c], (p) => correct[r.order[p]]));
    const counts = measured.map((r) => new Int32Array(r.order.length));
    for (let b = 0; b < B; b++) {
      let sum = 0;
      for (let c = 0; c < measured.length; c++) {
        const n = measured[c].order.length;
        const cnt = counts[c];
        cnt.fill(0);
        for (let j = 0; j < n; j++) cnt[Math.floor(rng.next() * n)]++;
        const k = classes[c].k;
        const ca = corrAsc[c];
        let left = k;
        let low = 0;
        for (let p = 0; left > 0; p++) {
          const m = cnt[p] < left ? cnt[p] : left;
          low += m * ca[p];
          left -= m;
        }
        const dp = desc[c];
        const cd = corrDesc[c];
        left = k;
        let high = 0;
        for (let j = 0; left > 0; j++) {
          const c0 = cnt[dp[j]];
          const m = c0 < left ? c0 : left;
          high += m * cd[j];
          left -= m;
        }
        const g = (high - low) / k;
        perClass[c][b] = g;
        sum += g;
      }
      means[b] = sum / measured.length;
    }
    classes.forEach((g, c) => { g.ci = [quantile(perClass[c], 0.025), quantile(perClass[c], 0.975)]; });
    summary.meanCi = [quantile(means, 0.025), quantile(means, 0.975)];
  }
  return summary;
}
