import { join } from 'node:path';
import { labelByProbes, meanActivations } from '../../core/probeLabels';
import { discoverDataset } from '../dataset/discover';
import { extract } from '../extract/pipeline';
import type { FeatureVerdict, LabelStore } from './labels';
import type { AnalysisSession } from './session';

/** What probe labeling did. */
export interface ProbeAnnotation {
  labeled: number;
  spurious: number;
  /** Pairs that already had a label and were left alone (only with `keep`). */
  kept: number;
}

/** Mean feature vector per class over a probe folder (`<dir>/<class>/*`), extracted (and cached) with the session's model. */
async function probeMeans(s: AnalysisSession, dir: string, cacheDir: string, threads?: number): Promise<Map<string, Float64Array>> {
  const ds = await discoverDataset(dir);
  const ex = await extract({ dataset: ds, modelPath: s.model.path, cacheDir, threads });
  const feats = { rows: ex.entries.length, cols: ex.model.dim, data: ex.features };
  const byClass = new Map<string, number[]>();
  ex.entries.forEach((e, i) => byClass.set(e.label, [...(byClass.get(e.label) ?? []), i]));
  return new Map([...byClass].map(([c, rows]) => [c, meanActivations(feats, rows)] as const));
}

/**
 * Labels every class's top features from probe images (`<probes>/cue/<class>/` the cue alone, `<probes>/object/<class>/`
 * the object on a plain background): spurious when the feature responds more to the cue. With `keep`, pairs that
 * already have a label are left alone.
 */
export async function annotateFromProbes(
  s: AnalysisSession, store: LabelStore, probes: string, cacheDir: string, opts: { keep?: boolean; threads?: number } = {},
): Promise<ProbeAnnotation> {
  const cue = await probeMeans(s, join(probes, 'cue'), join(cacheDir, 'probes', 'cue'), opts.threads);
  const obj = await probeMeans(s, join(probes, 'object'), join(cacheDir, 'probes', 'object'), opts.threads);
  const existing = new Set(store.entries().map((e) => `${e.cls}\0${e.feature}`));
  const changes: Array<{ cls: string; feature: number; verdict: FeatureVerdict }> = [];
  let kept = 0;
  for (const cls of s.datasetClassIds) {
    const name = s.classNames[cls];
    const c = cue.get(name);
    const o = obj.get(name);
    if (!c || !o) throw new Error(`No probes for class "${name}": expected images under ${join(probes, 'cue', name)} and ${join(probes, 'object', name)}`);
    for (const v of labelByProbes(s.importance[cls].top, c, o)) {
      if (opts.keep && existing.has(`${name}\0${v.feature}`)) {
        kept++;
        continue;
      }
      changes.push({ cls: name, feature: v.feature, verdict: v.spurious
        ? { label: 'spurious', subtype: 'background', note: `probe: cue ${v.cueMean.toFixed(3)} > object ${v.objectMean.toFixed(3)}` }
        : { label: 'core', note: `probe: object ${v.objectMean.toFixed(3)} >= cue ${v.cueMean.toFixed(3)}` } });
    }
  }
  await s.setLabels(changes);
  const labeled = changes.length;
  const spurious = changes.filter((c) => c.verdict.label === 'spurious').length;
  return { labeled, spurious, kept };
}
