// `spuriosity features import|export`: Parquet feature stores in and out (schema spuriosity-lens/features@1, README
// "Feature stores"). Import turns features computed elsewhere into the dataset's feature cache; export writes ours.
import { promises as fsp } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { openDataset } from '../../engine/api/analysis';
import { loadModel } from '../../engine/api/extraction';
import { importFeatureStores, type ImportReport } from '../../engine/api/stores';
import { defaultCacheDir, defaultModelPath } from '../paths';
import { CliError, nonNegativeInt, positiveInt } from '../errors';
import { registerFeaturesExport } from './featuresExport';

/** `spuriosity features import --json`: what each file gave the cache, and every problem found. */
export interface FeaturesImportReport extends ImportReport {
  schema: 'spuriosity-lens/features-import@1';
  /** The dataset's root folder (the stores' paths are relative to it). */
  dataset: string;
  /** The model the features belong to: its sha256 names the cache. */
  model: { path: string; sha256: string; dim: number; classes: number };
  /** Wall time of the import. */
  seconds: number;
}

interface ImportFlags {
  model?: string;
  cache?: string;
  json?: boolean;
  show: number;
  strict?: boolean;
  threads?: number;
}

/** Registers the features command group. */
export function registerFeatures(program: Command): void {
  const features = program.command('features').description('Parquet feature stores: import features computed elsewhere (e.g. your own PyTorch job) as the cache, export ours');
  features
    .command('import')
    .description('import Parquet feature stores (columns path, features[, class, logits]) into <dataset>\'s feature cache for --model; bad rows are reported by file and row and skipped')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest the store\'s paths are relative to')
    .argument('<store...>', 'Parquet files, or folders of *.parquet files (e.g. a Spark job\'s part files)')
    .option('--model <path>', 'ONNX classifier the features belong to: its head scores them and gives logits a store lacks (default: the bundled demo model)')
    .option('--cache <dir>', 'feature cache root (default: <dataset>/.spuriosity)')
    .option('--threads <n>', 'ONNX Runtime threads computing the logits a store lacks (default: cores - 1)', positiveInt('--threads'))
    .option('--show <n>', 'rejected rows listed (all are in --json)', nonNegativeInt('--show'), 20)
    .option('--strict', 'exit with code 2 when any row or file was rejected')
    .option('--json', 'print the import report as JSON (schema spuriosity-lens/features-import@1)')
    .action(async (datasetArg: string, stores: string[], flags: ImportFlags) => {
      const modelPath = resolve(flags.model ?? defaultModelPath());
      const cacheDir = resolve(flags.cache ?? defaultCacheDir(datasetArg));
      const files = await storeFiles(stores);
      const dataset = await openDataset(datasetArg, cacheDir);
      const { info } = await loadModel(modelPath).catch((e: Error) => { throw new CliError(`--model ${modelPath}: ${e.message}`); });
      const tty = process.stderr.isTTY === true;
      const t0 = performance.now();
      const report = await importFeatureStores({
        files, dataset, model: info, cacheDir, threads: flags.threads, maxProblems: flags.json ? Number.MAX_SAFE_INTEGER : Math.max(flags.show, 1),
        onProgress: tty ? (p) => process.stderr.write(`\rimporting ${p.file}: ${p.rowsRead}/${p.rowsInFile} rows, ${p.imported} imported`) : undefined,
      });
      if (tty) process.stderr.write('\n');
      const seconds = (performance.now() - t0) / 1000;
      const doc: FeaturesImportReport = { schema: 'spuriosity-lens/features-import@1', dataset: dataset.root, model: { path: modelPath, sha256: info.sha256, dim: info.dim, classes: info.classes }, seconds, ...report };
      if (flags.json) process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
      else process.stdout.write(`${formatImport(report, { root: dataset.root, datasetArg, modelPath, cacheRoot: cacheDir, sha: info.sha256, dim: info.dim, classes: info.classes, seconds, show: flags.show })}\n`);
      if (report.imported === 0) throw new CliError(`no row was imported from ${files.length} file(s)${report.problems[0] ? `; first problem: ${where(report.problems[0])}: ${report.problems[0].problem}` : ''}`);
      if (flags.strict && report.problemCount > 0) process.exitCode = 2;
    });
  registerFeaturesExport(features);
}

/** The Parquet files named: files as given, folders expanded to their *.parquet files in name order. */
async function storeFiles(args: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const a of args) {
    const p = resolve(a);
    const st = await fsp.stat(p).catch(() => null);
    if (!st) throw new CliError(`${a}: no such file or folder`);
    if (!st.isDirectory()) { out.push(p); continue; }
    const names = (await fsp.readdir(p)).filter((n) => n.endsWith('.parquet') && !n.startsWith('.')).sort();
    if (names.length === 0) throw new CliError(`${a}: folder has no .parquet file`);
    out.push(...names.map((n) => join(p, n)));
  }
  return [...new Set(out)];
}

const where = (p: { file: string; row: number | null; path?: string }) => `${p.file}${p.row === null ? '' : ` row ${p.row}`}${p.path ? ` (${p.path})` : ''}`;
const num = (n: number) => n.toLocaleString('en-US');

function formatImport(r: ImportReport, o: { root: string; datasetArg: string; modelPath: string; cacheRoot: string; sha: string; dim: number; classes: number; seconds: number; show: number }): string {
  const lines = [`Imported features of ${num(r.imported)} image(s) into ${r.cacheDir} (model ${o.sha.slice(0, 12)}: ${o.dim} features, ${o.classes} classes) in ${o.seconds.toFixed(1)} s`];
  for (const f of r.files) {
    if (f.error) lines.push(`  ${f.file}: skipped, ${f.error}`);
    else lines.push(`  ${f.file}: ${num(f.rows)} rows, ${num(f.imported)} imported, ${num(f.rejected)} rejected; logits ${f.logitsFromFile === f.imported ? 'from the file' : f.logitsFromFile === 0 ? "computed from the model's head" : `from the file for ${num(f.logitsFromFile)}, computed for the rest`}`);
  }
  const rows = r.problems.filter((p) => p.row !== null);
  const rowCount = r.problemCount - r.problems.filter((p) => p.row === null).length;
  if (rowCount > 0) {
    lines.push(`Rejected rows (${num(rowCount)}${rows.length < rowCount ? `, first ${Math.min(o.show, rows.length)} shown; --json lists all` : ''}):`);
    for (const p of rows.slice(0, o.show)) lines.push(`  ${where(p)}: ${p.problem}`);
  }
  if (r.missing.count > 0) {
    lines.push(`${num(r.missing.count)} image(s) of the dataset have no row in any store (e.g. ${r.missing.examples.slice(0, 3).join(', ')}): the analysis uses their cached features, or extracts them with the model`);
  }
  if (r.imported > 0) lines.push(`Next: spuriosity rank ${o.datasetArg} --model ${o.modelPath} --cache ${o.cacheRoot}`);
  return lines.join('\n');
}
