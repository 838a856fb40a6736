// "Spuriosity: Compare Models…": pick two or more ONNX models, rank the current dataset under each (extraction in
// the child process, each model with its own annotation file), and show the comparison in the panel's Models tab.
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { defaultAnnotationPath } from '../../engine/annotations/store';
import { openLabelStore } from '../../engine/analysis/fileLabelStore';
import { compareModels } from '../../engine/compare/compareModels';
import type { Dataset } from '../../engine/dataset/types';
import type { ComparisonView } from '../../shared/protocol';
import { modelChecker, runExtraction } from '../engineClient';
import { comparisonView } from '../panel/analysisViews';
import { formatRate } from '../progress';
import { readSettings } from '../settings';
import type { PanelJobs } from './panelJobs';

const RECENT_KEY = 'spuriosityLens.compareModels';

/** What a comparison needs from the ranked dataset. */
export interface CompareTarget {
  root: string;
  dataset: Dataset;
  cacheDir: string;
  /** The model the dataset is ranked with now (offered first, picked by default). */
  modelPath: string;
}

async function bundledModels(extensionUri: vscode.Uri): Promise<string[]> {
  const dir = vscode.Uri.joinPath(extensionUri, 'models', 'demo').fsPath;
  try {
    return (await readdir(dir)).filter((f) => f.endsWith('.onnx')).sort().map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Multi-picker of models: the current one, recent picks, the bundled demo models, and "Add ONNX files…". Undefined when cancelled. */
export async function pickModels(context: vscode.ExtensionContext, current: string): Promise<string[] | undefined> {
  const recent = context.workspaceState.get<string[]>(RECENT_KEY, []);
  const known = [...new Set([current, ...recent, ...(await bundledModels(context.extensionUri))])];
  let chosen = new Set(recent.length >= 2 ? recent : [current]);
  for (;;) {
    type Item = vscode.QuickPickItem & { path?: string };
    const items: Item[] = known.map((p) => ({
      label: basename(p, '.onnx'), description: p === current ? 'ranking this dataset now' : undefined, detail: p, path: p, picked: chosen.has(p),
    }));
    items.push({ label: '$(folder-opened) Add ONNX files…', alwaysShow: true });
    const picked = await vscode.window.showQuickPick(items, {
      canPickMany: true, title: 'Spuriosity Lens: compare which models? (two or more)', placeHolder: 'Each model is ranked with its own feature labels',
      ignoreFocusOut: true, // ticking several models is slow work; a click elsewhere should not lose the picks
    });
    if (!picked) return undefined;
    chosen = new Set(picked.flatMap((i) => (i.path ? [i.path] : [])));
    if (picked.some((i) => !i.path)) {
      const more = await vscode.window.showOpenDialog({ canSelectMany: true, filters: { 'ONNX model': ['onnx'] }, title: 'Add ONNX classifiers to compare' });
      for (const u of more ?? []) { known.push(u.fsPath); chosen.add(u.fsPath); }
      continue;
    }
    if (chosen.size >= 2) {
      await context.workspaceState.update(RECENT_KEY, [...chosen]);
      return [...chosen];
    }
    const again = await vscode.window.showWarningMessage(`Spuriosity Lens: pick at least two models to compare (${chosen.size} picked).`, 'Pick Again');
    if (!again) return undefined;
  }
}

/** Runs the comparison as a panel job; undefined when cancelled or already running. */
export async function runComparison(context: vscode.ExtensionContext, jobs: PanelJobs, target: CompareTarget, models: string[], log: vscode.LogOutputChannel): Promise<ComparisonView | undefined> {
  const settings = readSettings();
  const report = await jobs.run('compare', {}, `Spuriosity Lens: comparing ${models.length} models`, (report, signal) => compareModels({
    dataset: target.dataset, models, cacheDir: target.cacheDir, threads: settings.threads || undefined, signal,
    analysis: { headMode: settings.headMode, grouping: settings.grouping, topK: settings.topFeatures, gapK: settings.gapK },
    openLabels: async (model) => ({ store: await openLabelStore(target.root, model), path: defaultAnnotationPath(target.root, model.sha256) }),
    runExtract: (request, hooks) => runExtraction(context, { ...request, pixelLimit: settings.pixelLimit, ...hooks }),
    checkModel: modelChecker(context),
    onProgress: (p) => {
      const within = p.phase === 'extracting' && p.total ? (p.done ?? 0) / p.total : p.phase === 'done' ? 1 : 0.95;
      const what = p.phase === 'extracting' ? `extracting ${formatRate(p.done ?? 0, p.total ?? 0, 0, null)}` : p.phase === 'analysing' ? 'analysing' : 'done';
      report({ message: `model ${p.model} of ${p.models} (${p.id}): ${what}`, fraction: (p.model - 1 + within) / p.models });
    },
  }));
  if (!report) return undefined;
  for (const n of report.notes) log.info(`compare: ${n}`);
  log.info(`compare: ${report.models.length} models, mean pairwise r ${report.correlation?.meanPairwise ?? 'n/a'}, variance ratio ${report.variance?.ratio ?? 'n/a'}`);
  return comparisonView(report, basename(target.root));
}
