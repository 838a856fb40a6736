import * as vscode from 'vscode';
import { LensController } from './controller';
import { LensPanel } from './panel/lensPanel';
import { configuredModel, demoModelPath, pickModel } from './modelChoice';
import { exportReport } from './report';
import { TUNING_METHODS, type TuningMethod } from '../shared/protocol';
import { reportError } from './errors';
import { initJobStatus, JobStatus } from './jobStatus';
import { DatasetsView } from './datasetsView';
import { pickDataset } from './datasetPick';
import { generateDemo } from './demoDataset';
import { importFeatures } from './featureImport';
import { readSettings } from './settings';
import { signed } from '../shared/signed';
import { gapSignificance } from '../core/gap';

/** Entry point: registers commands, the Spuriosity view, the status bar item, the panel serializer and the output channel. */
export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Spuriosity Lens', { log: true });
  const status = initJobStatus(log);
  const lens = new LensController(context, log);
  const view = new DatasetsView(lens);
  const command = (id: string, run: (...args: unknown[]) => Promise<unknown>) =>
    vscode.commands.registerCommand(`spuriosityLens.${id}`, async (...args: unknown[]) => {
      try {
        await run(...args);
      } catch (e) {
        reportError(log, id, e);
      }
    });

  context.subscriptions.push(
    log, status, view,
    vscode.window.createTreeView(DatasetsView.viewId, { treeDataProvider: view, showCollapseAll: false }),
    command('rankDataset', async (uri) => {
      // the Explorer and the Spuriosity view pass the folder; the palette asks (recent datasets, workspace folders, Browse…)
      const root = uri instanceof vscode.Uri ? uri.fsPath : typeof uri === 'string' ? uri : await pickDataset(lens.known.list());
      if (root) await lens.rank(root);
    }),
    command('showDataset', async (root, modelPath) => {
      if (typeof root === 'string') await lens.show(root, typeof modelPath === 'string' ? modelPath : undefined);
    }),
    command('forgetDataset', async (node) => {
      const root = typeof node === 'string' ? node : (node as { dataset?: { root?: string } } | undefined)?.dataset?.root;
      if (root) await lens.known.forget(root);
    }),
    command('generateDemo', async () => {
      const root = await generateDemo(context.extensionUri, log);
      if (!root) return;
      // the demo dataset goes with the demo model unless the user configured one
      const model = configuredModel(readSettings()) ?? demoModelPath(context.extensionUri);
      void vscode.window.showInformationMessage(`Spuriosity Lens: demo dataset written to ${root}; ranking it with ${model === demoModelPath(context.extensionUri) ? 'the bundled demo model' : model}.`);
      await lens.rank(root, 'overview', model);
    }),
    command('measureGap', async () => {
      const r = await lens.ensureRanked();
      if (!r) return;
      const g = r.overview.gaps;
      LensPanel.show(lens, log, 'overview');
      if (g.classes.length === 0) {
        const a = await vscode.window.showInformationMessage('Spuriosity Lens: no feature is labeled spurious yet, so no class has a ranking. Label the top features first.', 'Label Features');
        if (a) await vscode.commands.executeCommand('spuriosityLens.labelFeatures');
        return;
      }
      const pts = (x: number) => signed(x * 100, 1, true);
      const ci = g.meanCi ? ` (95% CI ${pts(g.meanCi[0])} to ${pts(g.meanCi[1])})` : '';
      // the panel's rule for the mean as for each class: a finding only when its interval excludes 0
      const verdict = !g.meanCi ? '' : gapSignificance(g.meanCi[0], g.meanCi[1]) === 'not-significant' ? ', not significant (its interval includes 0)' : ', significant';
      const neg = g.classes.filter((c) => c.ci && gapSignificance(c.ci[0], c.ci[1]) === 'negative').length;
      void vscode.window.showInformationMessage(`Spurious gap: ${pts(g.mean)} points${ci}${verdict} over ${g.classes.length} class(es)${neg ? `; ${neg} significantly negative` : ''}.`);
    }),
    command('labelFeatures', async () => {
      if (await lens.ensureRanked()) LensPanel.show(lens, log, 'labeling');
    }),
    command('fineTune', async () => {
      if (!(await lens.ensureRanked())) return;
      const labels: Record<TuningMethod, string> = { 'low-spuriosity': 'Low-spuriosity images (the paper\'s method)', random: 'Random images (baseline)', error: 'Misclassified images (error tuning baseline)' };
      const pick = await vscode.window.showQuickPick(TUNING_METHODS.map((m) => ({ label: labels[m], method: m })), { title: 'Fine-tune the linear head on…' });
      if (!pick) return;
      LensPanel.show(lens, log, 'mitigation');
      await lens.runMitigation(pick.method);
    }),
    command('openPanel', async () => {
      if (await lens.ensureRanked()) LensPanel.show(lens, log);
    }),
    command('selectModel', async () => {
      const path = await pickModel(context.extensionUri);
      if (path) void vscode.window.showInformationMessage(`Spuriosity Lens will use ${path}. Rank a dataset to apply it.`);
    }),
    command('exportReport', async () => {
      const r = await lens.ensureRanked();
      if (r) await exportReport(r);
    }),
    command('compareModels', async () => {
      if (!(await lens.ensureRanked())) return;
      await lens.analyses.compare(() => LensPanel.show(lens, log, 'compare'));
    }),
    command('suggestLabels', async () => {
      if (!(await lens.ensureRanked())) return;
      LensPanel.show(lens, log, 'labeling');
      await lens.analyses.suggest();
    }),
    command('exportCoreCrops', async () => {
      if (!(await lens.ensureRanked())) return;
      await lens.analyses.exportCrops();
    }),
    command('importFeatures', () => importFeatures(context, log, lens.known.list(), (root, model) => lens.rank(root, 'overview', model))),
    command('showLog', async () => log.show()),
    vscode.commands.registerCommand(JobStatus.showCommand, () => status.show()),
    vscode.window.registerWebviewPanelSerializer(LensPanel.viewType, {
      async deserializeWebviewPanel(panel) {
        // the analysis lives in memory: re-rank the last dataset (features come from the cache in seconds)
        const root = lens.known.list()[0];
        LensPanel.restore(panel, lens, log);
        // null: the restored webview shows the tab it showed before the reload, not the overview
        if (root) await lens.ensureRanked(root, null).catch((e) => reportError(log, 'restore', e));
      },
    }),
  );
}

/** Nothing to release: child processes end with their jobs. */
export function deactivate(): void {}
