// Helpers for benchmarks whose spurious cue is known per image (synthetic data, annotated subsets).

/** Ground-truth gap for benchmarks with a known cue: accuracy on images with the cue minus without (NaN if a side is empty). */
export function trueGap(correct: ArrayLike<number | boolean>, cue: ArrayLike<boolean | number>, images?: ArrayLike<number>): {
  accWith: number; accWithout: number; gap: number; nWith: number; nWithout: number;
} {
  const n = images ? images.length : correct.length;
  let nw = 0, nwo = 0, cw = 0, cwo = 0;
  for (let j = 0; j < n; j++) {
    const i = images ? images[j] : j;
    const ok = correct[i] ? 1 : 0;
    if (cue[i]) { nw++; cw += ok; } else { nwo++; cwo += ok; }
  }
  const accWith = nw ? cw / nw : NaN;
  const accWithout = nwo ? cwo / nwo : NaN;
  return { accWith, accWithout, gap: accWith - accWithout, nWith: nw, nWithout: nwo };
}

/** Area under the ROC curve of `scores` for separating positives from negatives (Mann-Whitney; tied scores share ranks). NaN without both classes. */
export function auroc(scores: ArrayLike<number>, positives: ArrayLike<boolean | number>): number {
  const n = scores.length;
  if (positives.length !== n) throw new RangeError(`scores (${n}) and positives (${positives.length}) differ in length`);
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let rankSumPos = 0;
  let nPos = 0;
  for (let s = 0; s < n;) {
    let e = s;
    while (e + 1 < n && scores[idx[e + 1]] === scores[idx[s]]) e++;
    const avgRank = (s + e) / 2 + 1;
    for (let j = s; j <= e; j++) if (positives[idx[j]]) { rankSumPos += avgRank; nPos++; }
    s = e + 1;
  }
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}
