// Mask suggestions computed from the extension (the Labeling view's button and the palette command), as
// `spuriosity annotations suggest` does: the source is the segmenter setting, else the masks-folder setting, else
// <dataset>/masks; the scoring runs as a panel job in a child process (progress, cancel), and the file it writes
// beside the annotations is what the Labeling view's badges read.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_SUGGEST_THRESHOLDS } from '../../core/maskScore';
import { planMaskScore } from '../../engine/api/analysis';
import {
  DEFAULT_IMAGES_PER_FEATURE, defaultSuggestionPath, suggestionsFromScores, writeSuggestionFile, chooseMaskSource,
} from '../../engine/api/stores';
import { jobRunner } from '../engineClient';
import { formatRate } from '../progress';
import { readSettings } from '../settings';
import type { PanelJobs } from './panelJobs';
import type { AnalysisTarget } from './target';

/** What a run did, for the notification; null when it was cancelled or another run was going. */
export interface SuggestOutcome {
  path: string;
  pairs: number;
  confident: number;
  badMasks: number;
}

/** Scores every class's top features against the masks in a child process and writes the suggestions file. */
export async function computeSuggestions(context: vscode.ExtensionContext, jobs: PanelJobs, t: Pick<AnalysisTarget, 'root' | 'session' | 'cacheDir'>, log: vscode.LogOutputChannel): Promise<SuggestOutcome | null> {
  const settings = readSettings();
  const choice = chooseMaskSource(t.root, settings);
  if (!choice.ok) throw new Error(`Cannot suggest labels: ${choice.why}.`);
  const s = t.session;
  const items = planMaskScore(s, DEFAULT_IMAGES_PER_FEATURE);
  if (items.length === 0) throw new Error('Cannot suggest labels: no class has top features to score.');
  const result = await jobs.run('suggest', {}, `Spuriosity Lens: suggesting labels from ${choice.source.kind === 'segmenter' ? 'a segmenter' : 'object masks'}`,
    (report, signal) => jobRunner(context, 'mask-score')(
      { modelPath: s.model.path, cacheDir: t.cacheDir, source: choice.source, items, threads: settings.threads || undefined, pixelLimit: settings.pixelLimit },
      { signal, onProgress: (p) => report({ message: `${formatRate(p.done, p.total, p.imagesPerSecond, p.etaSeconds)} (maps and masks)`, fraction: p.total ? p.done / p.total : undefined }) },
    ));
  if (!result) return null;
  for (const p of result.maskProblems.slice(0, 50)) log.warn(`Mask suggestions: ${p.message}`);
  if (result.maskProblems.length > 50) log.warn(`Mask suggestions: … and ${result.maskProblems.length - 50} more images without a usable mask`);
  for (const f of result.mapFailures) log.warn(`Mask suggestions: no map for ${f.rel}: ${f.message}`);
  const sourcePath = choice.source.kind === 'segmenter' ? choice.source.modelPath : choice.source.dir;
  const file = suggestionsFromScores(result, { model: { sha256: s.model.sha256, name: basename(s.model.path) }, dataset: t.root, source: sourcePath, imagesPerFeature: DEFAULT_IMAGES_PER_FEATURE }, DEFAULT_SUGGEST_THRESHOLDS);
  const path = defaultSuggestionPath(t.root, s.model.sha256);
  await writeSuggestionFile(path, file);
  const confident = Object.values(file.pairs).reduce((a, f) => a + Object.values(f).filter((p) => p.suggestion !== null).length, 0);
  log.info(`Mask suggestions from ${choice.label}: ${confident} of ${items.length} pairs confident; ${result.maskProblems.length} image(s) without a usable mask; wrote ${path}`);
  return { path, pairs: items.length, confident, badMasks: result.maskProblems.length };
}
