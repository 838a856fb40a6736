// `spuriosity compare <dataset> --model A.onnx --model B.onnx ...`: one dataset ranked under several models, each with
// its own annotation file; per-class gaps per model, their correlation, variance across classes vs models, and
// effective robustness (section 4.2, appendix D).
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { openLabelStore, annotateFromProbes } from '../../engine/api/analysis';
import { checkProbeFolder, CompareInputError, compareModels, type CompareReport } from '../../engine/api/analyses';
import { discoverDataset, extract, withoutSkippedUnder } from '../../engine/api/extraction';
import { CliError, intInRange, positiveInt } from '../errors';
import { formatCompare } from '../format/compareTable';
import { annotationRoot } from '../loadAnalysis';
import { defaultCacheDir } from '../paths';
import { interruptible } from '../interrupt';
import { progressBar } from '../progressBar';
import { DEFAULT_GAP_K } from '../../core/gap';
import type { Grouping, HeadMode } from '../../core/vocabulary';

interface CompareFlags {
  model: string[];
  cache?: string;
  threads?: number;
  head: HeadMode;
  grouping: Grouping;
  k: number;
  gapK: number;
  annotateFromProbes?: string | true;
  overwriteLabels?: boolean;
  json?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Registers the compare command. */
export function registerCompare(program: Command): void {
  program
    .command('compare')
    .description('rank one dataset under several models (each with its own annotations) and compare their spurious gaps: per class, correlation across models, variance across classes vs models, effective robustness')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest')
    .option('--model <path>', 'an ONNX classifier; repeat for each model (at least 2)', collect, [])
    .option('--cache <dir>', 'feature cache root (default: <dataset>/.spuriosity)')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: cores - 1)', positiveInt('--threads'))
    .addOption(new Option('--head <mode>', "model: each model's own head; fit: a new linear head fitted on the train split; auto: model when every class maps onto its labels").choices(['auto', 'model', 'fit']).default('auto'))
    .addOption(new Option('--grouping <g>', 'training images defining feature importance').choices(['predicted', 'correct']).default('predicted'))
    .option('--k <n>', 'top features per class (1-15)', intInRange('--k', 1, 15), 5)
    .option('--gap-k <n>', 'images at each end of a ranking for the gap (capped at half the class)', positiveInt('--gap-k'), DEFAULT_GAP_K)
    .option('--annotate-from-probes [dir]', "first label each model's unlabelled top features from probe images (as `annotations from-probes --keep`, default <dataset>/probes), writing each model's annotation file; labels already there are kept")
    .option('--overwrite-labels', 'with --annotate-from-probes: replace existing labels of those features too (hand-made ones included)')
    .option('--json', 'print the report as JSON (schema spuriosity-lens/compare@1, see README)')
    .action(async (dataset: string, flags: CompareFlags) => {
      if (flags.model.length < 2) throw new CliError(`compare needs at least 2 models: repeat --model (got ${flags.model.length})`);
      const models = flags.model.map((m) => resolve(m));
      const cacheDir = resolve(flags.cache ?? defaultCacheDir(dataset));
      const ds = withoutSkippedUnder(await discoverDataset(dataset), cacheDir);
      const root = annotationRoot(dataset);
      const probes = flags.annotateFromProbes === undefined ? null
        : resolve(flags.annotateFromProbes === true ? join(resolve(dataset), 'probes') : flags.annotateFromProbes);
      if (flags.overwriteLabels && !probes) throw new CliError('--overwrite-labels only applies with --annotate-from-probes');
      const overwrite = flags.overwriteLabels === true;
      const tty = process.stderr.isTTY === true;
      let report: CompareReport;
      try {
        // Ctrl-C stops after the current batch (finished batches stay cached); a second one ends the process at once.
        report = await interruptible('comparison cancelled; finished batches are cached, so a re-run resumes', (signal) => compareModels({
          dataset: ds, models, cacheDir, threads: flags.threads, signal,
          analysis: { headMode: flags.head, grouping: flags.grouping, topK: flags.k, gapK: flags.gapK },
          openLabels: async (model) => {
            const store = await openLabelStore(root, model);
            return { store, path: store.path };
          },
          checkInputs: probes ? () => checkProbeFolder(probes, ds.classes) : undefined,
          prepare: probes ? async (s, store) => {
            const r = await annotateFromProbes(s, store, probes, cacheDir, { keep: !overwrite, threads: flags.threads });
            return overwrite
              ? `probes labelled ${r.labeled} top (class, feature) pair(s) (${r.spurious} spurious), replacing any label they had`
              : `probes labelled ${r.labeled} unlabelled top pair(s) (${r.spurious} spurious) and kept ${r.kept} already labelled (--overwrite-labels replaces them)`;
          } : undefined,
          runExtract: async (request, hooks = {}) => {
            const bar = progressBar();
            try {
              return await extract({ ...request, ...hooks, onProgress: (p) => { bar.update(p); hooks.onProgress?.(p); } });
            } finally {
              bar.stop();
            }
          },
          onProgress: (p) => {
            if (tty && (p.phase === 'analysing' || (p.phase === 'extracting' && p.done === 0))) process.stderr.write(`[${p.model}/${p.models}] ${p.id}: ${p.phase}\n`);
          },
        }));
      } catch (e) {
        if (e instanceof CompareInputError) {
          for (const p of e.problems) process.stderr.write(`spuriosity: ${p}\n`);
          throw new CliError(`cannot compare: ${e.problems.length} problem(s) above; nothing was extracted`);
        }
        throw e;
      }
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${formatCompare(report)}\n`);
      if (!report.correlation) {
        process.stderr.write('spuriosity: fewer than 2 models have measured gaps, so there is nothing to compare (label their features, see the notes)\n');
        process.exitCode = 2;
      }
    });
}
