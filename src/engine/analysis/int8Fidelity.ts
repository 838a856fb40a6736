// How far int8 features move the analysis from float32 on the same dataset: per-class Spearman correlation of the
// spuriosity rankings, share of classes whose top-5 features are unchanged, mean spurious gap and validation
// accuracy. Both sessions get the same spurious labels (the float32 session's top `labelTop` features per class),
// so any difference comes from the features alone.
import type { FeatureVerdict } from './labels';
import { MemoryLabelStore } from './labels';
import { AnalysisSession, type AnalysisOptions } from './session';
import type { Dataset } from '../dataset/types';
import type { ExtractResult } from '../extract/types';

/** The fidelity figures of one int8 extraction against its float32 twin. */
export interface Int8Fidelity {
  classes: number;
  /** Spearman correlation int8 vs float32 of each ranked class's validation-split spuriosity (class order). */
  spearmanVal: number[];
  spearmanTrain: number[];
  medianSpearmanVal: number;
  medianSpearmanTrain: number;
  /** Classes whose top-5 feature set is the same under both precisions, out of those with a top-5. */
  top5Unchanged: number;
  top5Classes: number;
  /** Mean spurious gap (fraction, as GapSummary.mean) at each precision. */
  gapFloat32: number;
  gapInt8: number;
  valAccFloat32: number;
  valAccInt8: number;
  /** Largest |pooled int8 - pooled float32| relative to the float32 feature's range over the dataset. */
  maxRelativeFeatureError: number;
}

/** Spearman rank correlation (average ranks for ties); NaN when either side is constant or n < 2. */
export function spearman(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  if (n !== b.length) throw new Error(`spearman: ${n} vs ${b.length} values`);
  if (n < 2) return NaN;
  const ra = ranks(a);
  const rb = ranks(b);
  let ma = 0, mb = 0;
  for (let i = 0; i < n; i++) { ma += ra[i]; mb += rb[i]; }
  ma /= n; mb /= n;
  let sab = 0, saa = 0, sbb = 0;
  for (let i = 0; i < n; i++) {
    const x = ra[i] - ma, y = rb[i] - mb;
    sab += x * y; saa += x * x; sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}

function ranks(v: ArrayLike<number>): Float64Array {
  const idx = Array.from({ length: v.length }, (_, i) => i).sort((i, j) => v[i] - v[j]);
  const out = new Float64Array(v.length);
  for (let s = 0; s < idx.length;) {
    let e = s;
    while (e + 1 < idx.length && v[idx[e + 1]] === v[idx[s]]) e++;
    for (let k = s; k <= e; k++) out[idx[k]] = (s + e) / 2;
    s = e + 1;
  }
  return out;
}

function median(xs: number[]): number {
  const v = xs.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const m = Math.floor(v.length / 2);
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
}

/** Compares an int8 extraction with the float32 one of the same dataset (entries matched by path). */
export async function int8Fidelity(dataset: Dataset, float32: ExtractResult, int8: ExtractResult, opts: { labelTop?: number; analysis?: AnalysisOptions } = {}): Promise<Int8Fidelity> {
  const analysis: AnalysisOptions = { bootstrap: 0, ...opts.analysis };
  const f = await AnalysisSession.open(dataset, float32, new MemoryLabelStore(), analysis);
  const labelTop = opts.labelTop ?? 1;
  const labels: Array<{ cls: string; feature: number; verdict: FeatureVerdict }> = [];
  for (const imp of f.importance) {
    const name = f.classNames[imp.cls];
    for (const feature of imp.top.slice(0, labelTop)) labels.push({ cls: name, feature, verdict: { label: 'spurious' } });
  }
  for (const l of labels) await f.setLabel(l.cls, l.feature, l.verdict);
  const q = await AnalysisSession.open(dataset, int8, new MemoryLabelStore(labels), analysis);

  // Row of each float32 entry in the int8 result (a decode failure in one run only would misalign rows).
  const rowOf = new Map(int8.entries.map((e, i) => [e.rel, i]));
  const toQ = Int32Array.from(float32.entries, (e) => rowOf.get(e.rel) ?? -1);
  const spearmanOf = (split: 'train' | 'val'): number[] => {
    const out: number[] = [];
    for (const r of f.spuriosity.rankings) {
      if (!r) continue;
      const order = r[split].order;
      const a: number[] = [];
      const b: number[] = [];
      for (const i of order) {
        const j = toQ[i];
        if (j < 0) continue;
        a.push(f.spuriosity.scores[i]);
        b.push(q.spuriosity.scores[j]);
      }
      out.push(spearman(a, b));
    }
    return out;
  };
  const spearmanVal = spearmanOf('val');
  const spearmanTrain = spearmanOf('train');

  let top5Unchanged = 0;
  let top5Classes = 0;
  f.importance.forEach((imp, c) => {
    const other = q.importance[c];
    if (imp.top.length === 0 || !other) return;
    top5Classes++;
    const a = [...imp.top.slice(0, 5)].sort((x, y) => x - y).join(',');
    const b = [...other.top.slice(0, 5)].sort((x, y) => x - y).join(',');
    if (a === b) top5Unchanged++;
  });

  const D = float32.model.dim;
  const lo = new Float64Array(D).fill(Infinity);
  const hi = new Float64Array(D).fill(-Infinity);
  for (let i = 0; i < float32.entries.length; i++) {
    for (let d = 0; d < D; d++) { const v = float32.features[i * D + d]; if (v < lo[d]) lo[d] = v; if (v > hi[d]) hi[d] = v; }
  }
  let maxRel = 0;
  for (let i = 0; i < float32.entries.length; i++) {
    const j = toQ[i];
    if (j < 0) continue;
    for (let d = 0; d < D; d++) {
      const range = hi[d] - lo[d];
      if (range > 0) maxRel = Math.max(maxRel, Math.abs(int8.features[j * D + d] - float32.features[i * D + d]) / range);
    }
  }
  return {
    classes: f.classNames.length,
    spearmanVal, spearmanTrain, medianSpearmanVal: median(spearmanVal), medianSpearmanTrain: median(spearmanTrain),
    top5Unchanged, top5Classes,
    gapFloat32: f.gaps.mean, gapInt8: q.gaps.mean,
    valAccFloat32: f.valAccuracy(), valAccInt8: q.valAccuracy(),
    maxRelativeFeatureError: maxRel,
  };
}
