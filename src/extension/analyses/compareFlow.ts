// "Spuriosity: Compare Models…": pick two or more ONNX models, rank the current dataset under each (extraction in
// the child process, each model with its own annotation file), and show the comparison in the panel's Models tab.
import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { defaultAnnotationPath, readAnnotationFile } from '../../engine/api/stores';
import { openLabelStore, type AnalysisOptions } from '../../engine/api/analysis';
import { compareModels, summariseModel, type ModelGaps, NO_GAPS, type LiveComparison } from '../../engine/api/analyses';
import { sha256File } from '../../engine/api/extraction';
import type { ComparisonView } from '../../shared/protocol';
import { signed } from '../../shared/signed';
import { modelChecker, runExtraction } from '../engineClient';
import { comparisonView } from '../panel/analysisViews';
import { formatRate } from '../progress';
import { readSettings } from '../settings';
import type { PanelJobs } from './panelJobs';
import { excludedIds } from './modelLabeling';
import type { CompareTarget } from './target';

const RECENT_KEY = 'spuriosityLens.compareModels';


/** What a model's annotation file says before anything is extracted: how many spurious labels, for the picker. */
export async function labelStatus(root: string, modelPath: string): Promise<string> {
  try {
    const sha = await sha256File(modelPath);
    const file = await readAnnotationFile(defaultAnnotationPath(root, sha));
    const spurious = file ? Object.values(file.labels).reduce((n, f) => n + Object.values(f).filter((a) => a.label === 'spurious').length, 0) : 0;
    return spurious
      ? `$(check) ${spurious} spurious label(s) for this dataset`
      : '$(warning) no spurious labels for this dataset yet: it gets no gap until you label its features (Labeling view, after comparing)';
  } catch (e) {
    return `$(error) ${e instanceof Error ? e.message : String(e)}`;
  }
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
export async function pickModels(context: vscode.ExtensionContext, current: string, root: string): Promise<string[] | undefined> {
  const recent = context.workspaceState.get<string[]>(RECENT_KEY, []);
  const known = [...new Set([current, ...recent, ...(await bundledModels(context.extensionUri))])];
  let chosen = new Set(recent.length >= 2 ? recent : [current]);
  // said up front: a model without spurious labels would come out of the comparison with no gap
  const status = new Map<string, string>();
  for (;;) {
    for (const p of known) if (!status.has(p)) status.set(p, await labelStatus(root, p));
    type Item = vscode.QuickPickItem & { path?: string };
    const items: Item[] = known.map((p) => ({
      label: basename(p, '.onnx'), description: `${p === current ? 'ranking this dataset now · ' : ''}${p}`, detail: status.get(p), path: p, picked: chosen.has(p),
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

/** A finished comparison: what the Models tab draws, and what keeps it live while models are labeled. */
export interface ComparisonRun {
  view: ComparisonView;
  live: LiveComparison;
  options: AnalysisOptions;
}

/** Runs the comparison as a panel job; undefined when cancelled or already running. */
export async function runComparison(context: vscode.ExtensionContext, jobs: PanelJobs, target: CompareTarget, models: string[], log: vscode.LogOutputChannel): Promise<ComparisonRun | undefined> {
  const settings = readSettings();
  const options: AnalysisOptions = { headMode: settings.headMode, grouping: settings.grouping, topK: settings.topFeatures, gapK: settings.gapK, excluded: excludedIds(target.session) };
  const gaps = new Map<string, ModelGaps>();
  const report = await jobs.run('compare', {}, `Spuriosity Lens: comparing ${models.length} models`, (report, signal) => compareModels({
    dataset: target.dataset, models, cacheDir: target.cacheDir, threads: settings.threads || undefined, signal,
    analysis: options,
    openLabels: async (model) => ({ store: await openLabelStore(target.root, model), path: defaultAnnotationPath(target.root, model.sha256) }),
    // each model's unrounded gaps, so labeling one model later recomputes the statistics exactly
    prepare: async (session, _store, id) => { gaps.set(id, summariseModel(session, id, '').gaps); },
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
  return { view: comparisonView(report, basename(target.root)), live: { report, gaps: report.models.map((m) => gaps.get(m.id) ?? NO_GAPS) }, options };
}

/** Says what the comparison found and, when some models have no spurious labels, offers to label the first of them. */
export function announceComparison(run: ComparisonRun, datasetName: string, label: (sha256: string) => void): void {
  const { report } = run.live;
  const unlabeled = report.models.filter((m) => m.head !== null && m.spuriousPairs === 0);
  const r = run.view.meanCorrelation;
  const done = `Spuriosity Lens: compared ${report.models.length} models on ${datasetName}`;
  if (unlabeled.length === 0) {
    void vscode.window.showInformationMessage(`${done}${r === null ? '' : `; mean correlation of class gaps r = ${signed(r, 2)}`}.`);
    return;
  }
  const names = unlabeled.map((m) => m.id).join(', ');
  const first = unlabeled[0];
  void vscode.window.showWarningMessage(`${done}, but ${names} ${unlabeled.length === 1 ? 'has' : 'have'} no spurious labels, so no gap: label ${unlabeled.length === 1 ? 'its' : 'their'} features and the comparison updates.`, `Label ${first.id}`)
    .then((a) => { if (a) label(first.sha256); });
}
