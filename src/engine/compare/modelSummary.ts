// One model's side of a comparison: its per-class gaps keyed by DATASET class name (each model has its own features
// and, with its own head, its own class names; the comparison is over classes and images, never feature indices).
import type { AnalysisSession } from '../analysis/session';
import type { ModelInfo } from '../model/types';
import type { CompareClassGap, CompareModel } from './types';
import { toPoints } from '../../core/vocabulary';

/** A model's measured gaps before rounding, for the statistics (fractions in [0, 1]). */
export interface ModelGaps {
  /** Gap per dataset class; absent when the model has no gap for it (no spurious feature, too few images). */
  gap: Map<string, number>;
  /** Mean over measured classes of the gap, of accuracy on the k highest- and the k lowest-spuriosity images; NaN when none. */
  meanGap: number;
  accHigh: number;
  accLow: number;
}

/** Head-space class id -> the dataset's class name, read off the images (a model head may name classes by its own labels). */
function datasetNames(s: AnalysisSession): Map<number, string> {
  const out = new Map<number, string>();
  s.entries.forEach((e, i) => {
    if (s.labels[i] >= 0 && !out.has(s.labels[i])) out.set(s.labels[i], e.label);
  });
  return out;
}

/** Labelled spurious pairs over the dataset's classes. */
function spuriousPairs(s: AnalysisSession): number {
  const lists = s.spuriousLists();
  return s.datasetClassIds.reduce((n, c) => n + lists[c].length, 0);
}

/**
 * Summarises an analysed session for the comparison. Accuracy on high / low spuriosity images is aggregated like the
 * gap: per class over its k highest / k lowest validation images, then the mean over the measured classes, so that
 * accHigh - accLow equals the mean gap.
 */
export function summariseModel(s: AnalysisSession, id: string, annotations: string): { model: CompareModel; gaps: ModelGaps } {
  const names = datasetNames(s);
  const classes: CompareClassGap[] = [];
  const gap = new Map<string, number>();
  let sumHigh = 0;
  let sumLow = 0;
  for (const g of s.gaps.classes) {
    const name = names.get(g.cls);
    if (name === undefined) continue;
    gap.set(name, g.gap);
    sumHigh += g.accHigh;
    sumLow += g.accLow;
    classes.push({ class: name, valImages: g.n, k: g.k, accHigh: toPoints(g.accHigh)!, accLow: toPoints(g.accLow)!, gap: toPoints(g.gap)! });
  }
  const n = gap.size;
  const accHigh = n ? sumHigh / n : NaN;
  const accLow = n ? sumLow / n : NaN;
  const pairs = spuriousPairs(s);
  const note = pairs === 0
    ? `no feature is labelled spurious in ${annotations}: no class is ranked, so the model has no gap until its features are labelled`
    : n === 0 ? `${pairs} spurious pair(s) labelled, but no class has the 2 validation images a gap needs` : null;
  const model: CompareModel = {
    id, path: s.model.path, sha256: s.model.sha256, name: s.model.card.name ?? null, dim: s.model.dim, head: s.headSource, annotations,
    valAccuracy: toPoints(s.valAccuracy()), spuriousPairs: pairs, classes: classes.sort((a, b) => (a.class < b.class ? -1 : a.class > b.class ? 1 : 0)),
    meanGap: toPoints(accHigh - accLow), accHigh: toPoints(accHigh), accLow: toPoints(accLow),
    included: note === null, note, predictedAccLow: null, effectiveRobustness: null,
  };
  return { model, gaps: { gap, meanGap: accHigh - accLow, accHigh, accLow } };
}

/** The report entry of a model whose extraction or analysis failed: left out, with the reason as its note. */
export function failedModel(id: string, info: ModelInfo, annotations: string | null, reason: string): { model: CompareModel; gaps: ModelGaps } {
  const model: CompareModel = {
    id, path: info.path, sha256: info.sha256, name: info.card.name ?? null, dim: info.dim, head: null, annotations,
    valAccuracy: null, spuriousPairs: 0, classes: [], meanGap: null, accHigh: null, accLow: null,
    included: false, note: `could not be analysed: ${reason}`, predictedAccLow: null, effectiveRobustness: null,
  };
  return { model, gaps: { gap: new Map(), meanGap: NaN, accHigh: NaN, accLow: NaN } };
}

/** Short unique ids from model paths: the file name without `.onnx`, suffixed `#2`, `#3` when two files share a name. */
export function modelIds(paths: string[]): string[] {
  const seen = new Map<string, number>();
  return paths.map((p) => {
    const base = (p.split(/[\\/]/).pop() ?? p).replace(/\.onnx$/i, '') || 'model';
    const k = (seen.get(base) ?? 0) + 1;
    seen.set(base, k);
    return k === 1 ? base : `${base}#${k}`;
  });
}
