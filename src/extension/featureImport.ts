// "Import Features from Parquet…": a feature store a user's own job wrote (docs/feature-store.md) becomes the feature
// cache this extension reads for a dataset and model; the import runs in the job worker, then the dataset is ranked.
import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { ImportProgress } from '../engine/api/stores';
import { jobRunner } from './engineClient';
import { configuredModel, pickModel } from './modelChoice';
import { withJob } from './progress';
import { readSettings } from './settings';
import { cacheDirFor } from './storage';
import { pickDataset } from './datasetPick';

/** Rejected rows written to the log (the notification gives the count). */
const LOGGED_PROBLEMS = 200;

/** Asks for the dataset, the model and the Parquet files, imports them into the extension's cache, then offers to rank. */
export async function importFeatures(context: vscode.ExtensionContext, log: vscode.LogOutputChannel, recent: readonly string[], rank: (root: string, modelPath: string) => Promise<unknown>): Promise<void> {
  const root = await pickDataset(recent, 'Spuriosity Lens: import features for which dataset?');
  if (!root) return;
  const settings = readSettings();
  const modelPath = configuredModel(settings) ?? (await pickModel(context.extensionUri));
  if (!modelPath) return;
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: true, canSelectFiles: true, canSelectFolders: false, filters: { 'Parquet feature store': ['parquet'] },
    title: `Parquet feature stores for ${basename(root)} (columns path, features[, class, logits])`, defaultUri: vscode.Uri.file(root),
  });
  if (!picked?.length) return;
  const files = picked.map((u) => u.fsPath);
  const cacheDir = cacheDirFor(context, root, settings);
  log.info(`feature import: ${files.length} file(s) into ${cacheDir} for ${root} with ${modelPath}`);
  const report = await withJob(`Spuriosity Lens: importing features for ${basename(root)}`, (progress, signal) =>
    jobRunner(context, 'features-import')({ files, root, modelPath, cacheDir, threads: settings.threads || undefined, maxProblems: LOGGED_PROBLEMS }, {
      signal,
      onProgress: (p: ImportProgress) => progress({
        message: `${basename(p.file)}: ${p.rowsRead.toLocaleString('en-US')} / ${p.rowsInFile.toLocaleString('en-US')} rows${p.files > 1 ? ` (file ${p.fileIndex + 1} of ${p.files})` : ''}`,
        fraction: p.rowsInFile > 0 ? (p.fileIndex + p.rowsRead / p.rowsInFile) / p.files : undefined,
      }),
    }));
  for (const f of report.files) log.info(`feature import: ${f.file}: ${f.error ? `skipped, ${f.error}` : `${f.rows} rows, ${f.imported} imported, ${f.rejected} rejected, logits ${f.logitsFromFile === f.imported ? 'from the file' : 'computed for ' + (f.imported - f.logitsFromFile)}`}`);
  for (const p of report.problems) if (p.row !== null) log.warn(`feature import: ${p.file} row ${p.row}${p.path ? ` (${p.path})` : ''}: ${p.problem}`);
  if (report.problemCount > report.problems.length) log.warn(`feature import: … and ${report.problemCount - report.problems.length} more rejected rows (spuriosity features import --json lists all)`);
  if (report.missing.count > 0) log.info(`feature import: ${report.missing.count} image(s) of the dataset have no row (e.g. ${report.missing.examples.slice(0, 3).join(', ')}): ranking uses their cached features, or extracts them with the model`);
  if (report.imported === 0) {
    const first = report.problems[0];
    throw new Error(`no row was imported from ${files.length} file(s)${first ? `: ${basename(first.file)}${first.row === null ? '' : ` row ${first.row}`}: ${first.problem}` : ''}`);
  }
  const rejected = report.problemCount > 0 ? `; ${report.problemCount.toLocaleString('en-US')} row(s) or file(s) rejected (see the log)` : '';
  const missing = report.missing.count > 0 ? `; ${report.missing.count.toLocaleString('en-US')} image(s) without a row (cached features are used for them, or they are extracted)` : '';
  const choice = await (report.problemCount > 0 ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(
    `Spuriosity Lens: imported features of ${report.imported.toLocaleString('en-US')} image(s) for ${basename(root)}${rejected}${missing}.`, 'Rank Now', 'Show Log');
  if (choice === 'Show Log') log.show();
  if (choice === 'Rank Now') await rank(root, modelPath);
}
