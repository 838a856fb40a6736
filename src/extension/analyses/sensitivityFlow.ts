// Feature sensitivity on demand from the labeling view: measured in a child process (the ranked model's session
// child, or a job of engineClient for a compared model's analysis), cached per (model, class, feature) for the
// session so reopening a card costs nothing; a new label of the class drops its entries.
import * as vscode from 'vscode';
import type { AnalysisSession } from '../../engine/api/analysis';
import { measureSensitivity, type SensitivityReport } from '../../engine/api/analyses';
import type { ExtractProgress } from '../../engine/api/extraction';
import type { SessionHandle } from '../../engine/api/sessionChild';
import type { SensitivityView } from '../../shared/protocol';
import { sensitivityRunner } from '../engineClient';
import { sensitivityView } from '../panel/analysisViews';
import { formatRate } from '../progress';
import { readSettings } from '../settings';
import type { PanelJobs } from './panelJobs';

/** Session cache of measured sensitivities. */
export class SensitivityCache {
  private readonly byKey = new Map<string, SensitivityView>();

  private static key(model: string, cls: string, feature: number): string {
    return `${model}\u0000${cls}\u0000${feature}`;
  }

  /** The measured sensitivity of a (model sha256, class, feature), if any. */
  get(model: string, cls: string, feature: number): SensitivityView | undefined {
    return this.byKey.get(SensitivityCache.key(model, cls, feature));
  }

  /** Remembers a measurement for the session. */
  set(model: string, v: SensitivityView): void {
    this.byKey.set(SensitivityCache.key(model, v.class, v.feature), v);
  }

  /** Forgets a class's entries (its labels changed: a spurious feature's mask depends on the core ones). */
  dropClass(cls: string): void {
    for (const k of [...this.byKey.keys()]) if (k.split('\u0000')[1] === cls) this.byKey.delete(k);
  }

  /** Forgets everything (another dataset or model). */
  clear(): void {
    this.byKey.clear();
  }
}

/** Where a sensitivity is measured: the model's sha256 (the cache key) and the measurement of one pair. */
export interface SensitivitySource {
  sha256: string;
  measure(className: string, feature: number, o: { threads?: number; pixelLimit: number; signal: AbortSignal; onProgress(p: ExtractProgress): void }): Promise<SensitivityReport>;
}

/** The ranked model's session child measures it: the features stay there, this process gets the report. */
export function childSource(session: Pick<SessionHandle, 'ask'>, sha256: string): SensitivitySource {
  return {
    sha256,
    measure: (className, feature, { signal, onProgress, ...options }) =>
      session.ask<SensitivityReport>({ kind: 'sensitivity', className, feature, options }, { signal, onEvent: (p) => onProgress(p as ExtractProgress) }),
  };
}

/** A compared model's analysis (in this process, with the comparison) measures it, its model work in a child. */
export function inMemorySource(context: vscode.ExtensionContext, s: AnalysisSession): SensitivitySource {
  return {
    sha256: s.model.sha256,
    measure: async (className, feature, o) => {
      const cls = s.classId(className);
      if (cls === undefined) throw new Error(`No class "${className}" in the ranked dataset.`);
      if (!(s.importance[cls]?.top ?? []).includes(feature)) throw new Error(`Feature ${feature} is not a top feature of ${className}; sensitivity is measured for the features shown for labeling.`);
      return measureSensitivity(s, [{ cls, feature }], sensitivityRunner(context), o);
    },
  };
}

/** The sensitivity of one (class, feature), from the cache or measured as a panel job; undefined when cancelled or busy. */
export async function featureSensitivity(jobs: PanelJobs, cache: SensitivityCache, source: SensitivitySource,
  className: string, feature: number, log: vscode.LogOutputChannel): Promise<SensitivityView | undefined> {
  const hit = cache.get(source.sha256, className, feature);
  if (hit) return hit;
  const settings = readSettings();
  const report = await jobs.run('sensitivity', { class: className, feature }, `Spuriosity Lens: sensitivity of feature ${feature} (${className})`,
    (report, signal) => source.measure(className, feature, {
      threads: settings.threads || undefined, pixelLimit: settings.pixelLimit, signal,
      onProgress: (p) => report({ message: `${formatRate(p.done, p.total, p.imagesPerSecond, p.etaSeconds)} (clean + corrupted)`, fraction: p.total ? p.done / p.total : undefined }),
    }));
  if (!report) return undefined;
  for (const f of report.failures) log.warn(`Sensitivity: could not use ${f.rel}: ${f.reason}: ${f.message}`);
  const measured = report.features.find((f) => f.feature === feature);
  if (!measured) {
    const why = report.skipped.find((x) => x.feature === feature)?.reason ?? 'no images could be measured';
    throw new Error(`Sensitivity of feature ${feature} (${className}) was not measured: ${why}.`);
  }
  const view = { ...sensitivityView(measured), class: className };
  cache.set(source.sha256, view);
  return view;
}
