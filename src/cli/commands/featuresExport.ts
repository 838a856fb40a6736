// `spuriosity features export <dataset> --out F.parquet`: every image's row (path, class, split, prediction, correct,
// spuriosity, features, logits) from the out-of-core analysis and the feature cache, streamed into Parquet.
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { exportFeatureStore, type ExportReport } from '../../engine/api/stores';
import { loadReportAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { CliError, positiveInt } from '../errors';

/** `spuriosity features export --json`: what was written, for which dataset and model. */
export interface FeaturesExportReport extends ExportReport {
  schema: 'spuriosity-lens/features-export@1';
  /** The dataset's root folder. */
  dataset: string;
  model: { path: string; sha256: string };
  /** Wall time of the export, analysis included. */
  seconds: number;
}

interface ExportFlags extends Pick<AnalysisFlags, 'model' | 'cache' | 'threads' | 'annotations' | 'head' | 'grouping'> {
  out: string;
  dtype: 'float16' | 'float32';
  logits: boolean;
  json?: boolean;
}

/** Registers `features export` on the features group. */
export function registerFeaturesExport(features: Command): void {
  features
    .command('export')
    .description('write one Parquet row per image: path, class, split, prediction, correct, spuriosity, features (float16 or float32 list), logits; readable by pandas, DuckDB and Arrow')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest (extracted first where the cache lacks features)')
    .requiredOption('--out <file>', 'Parquet file to write (replaced only once complete)')
    .option('--model <path>', 'ONNX classifier (default: the bundled demo model)')
    .option('--cache <dir>', 'feature cache root (default: <dataset>/.spuriosity)')
    .option('--threads <n>', 'ONNX Runtime intra-op threads for images the cache lacks', positiveInt('--threads'))
    .option('--annotations <file>', 'annotation file whose spurious labels give the spuriosity column (default: the dataset\'s)')
    .addOption(new Option('--head <mode>', 'head scoring the predictions (as for rank)').choices(['auto', 'model', 'fit']).default('auto'))
    .addOption(new Option('--grouping <g>', 'training images defining feature importance').choices(['predicted', 'correct']).default('predicted'))
    .addOption(new Option('--dtype <type>', 'element type of the features column: float16 is what the cache holds (exact); float32 doubles the size').choices(['float16', 'float32']).default('float16'))
    .option('--no-logits', 'leave out the logits column (C float32 values per row)')
    .option('--json', 'print the export report as JSON')
    .action(async (datasetArg: string, flags: ExportFlags) => {
      const out = resolve(flags.out);
      const { session, cacheDir } = await loadReportAnalysis(datasetArg, { ...flags, bootstrap: 0 });
      if (session.entries.length === 0) throw new CliError(`${datasetArg}: no image has features to export`);
      const tty = process.stderr.isTTY === true;
      const t0 = performance.now();
      let report;
      try {
        report = await exportFeatureStore({
          view: session, cacheDir, out, dtype: flags.dtype, logits: flags.logits,
          onProgress: tty ? (done, total) => process.stderr.write(`\rexporting ${done}/${total} rows`) : undefined,
        });
      } catch (e) {
        throw new CliError(`features export: ${(e as Error).message}`);
      } finally {
        if (tty) process.stderr.write('\n');
      }
      const seconds = (performance.now() - t0) / 1000;
      if (flags.json) {
        const doc: FeaturesExportReport = { schema: 'spuriosity-lens/features-export@1', dataset: session.dataset.root, model: { path: session.model.path, sha256: session.model.sha256 }, seconds, ...report };
        process.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
        return;
      }
      process.stdout.write(`Wrote ${report.rows.toLocaleString('en-US')} rows (${report.dim} ${report.dtype} features${report.logits ? `, ${report.classes} logits` : ''}) to ${out}: ${(report.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s\n`);
    });
}
