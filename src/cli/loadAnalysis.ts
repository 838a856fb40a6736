// Shared by rank / gap / tune / annotations: discover the dataset, extract (cache-first), open the labels, analyse.
import { resolve } from 'node:path';
import {
  type AnalysisSession, type AnalysisOptions, openLabelStore, openAnalysis, openDataset,
  outOfCoreOrInMemory, StreamedSession,
} from '../engine/api/analysis';
import { type AnnotationFileStore, defaultReviewPath, reviewExcluded } from '../engine/api/stores';
import type { Precision } from '../engine/api/extraction';
import { defaultCacheDir, defaultModelPath } from './paths';
import { progressBar } from './progressBar';
import { Option, type Command } from 'commander';
import { CliError, intInRange, nonNegativeInt, positiveInt } from './errors';
import { DEFAULT_GAP_K } from '../core/gap';
import type { Grouping, HeadMode } from '../core/vocabulary';
import { precisionOption } from './precisionOption';

/** Flags every analysis command accepts. */
export interface AnalysisFlags {
  model?: string;
  cache?: string;
  threads?: number;
  annotations?: string;
  head?: HeadMode;
  grouping?: Grouping;
  k?: number;
  gapK?: number;
  bootstrap?: number;
  seed?: number;
  excludeReviewed?: boolean;
  review?: string;
  precision?: Precision;
}

/** Adds the options every analysis command shares. */
export function addAnalysisOptions(cmd: Command): Command {
  return cmd
    .option('--model <path>', 'ONNX classifier (default: the bundled demo model)')
    .option('--cache <dir>', 'feature cache root (default: <dataset>/.spuriosity)')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: cores - 1)', positiveInt('--threads'))
    .addOption(precisionOption())
    .option('--annotations <file>', 'annotation file (default: <dataset>/.spuriosity/annotations.<model sha8>.json)')
    .addOption(new Option('--head <mode>', "model: the model's own head; fit: a new linear head fitted on the train split; auto: model when every class maps onto its labels").choices(['auto', 'model', 'fit']).default('auto'))
    .addOption(new Option('--grouping <g>', 'training images defining feature importance').choices(['predicted', 'correct']).default('predicted'))
    .option('--k <n>', 'top features per class (1-15)', intInRange('--k', 1, 15), 5)
    .option('--gap-k <n>', 'images at each end of a ranking for the gap (capped at half the class)', positiveInt('--gap-k'), DEFAULT_GAP_K)
    .option('--bootstrap <n>', 'bootstrap resamples for the 95% intervals (0 skips them)', nonNegativeInt('--bootstrap'), 1000)
    .option('--seed <n>', 'seed of the bootstrap and of random tuning sets', nonNegativeInt('--seed'), 0)
    .option('--exclude-reviewed', 'leave out the images the review file marks excluded (rankings, gaps, tuning sets); JSON counts them in dataset.images.excluded')
    .option('--review <file>', 'review file for --exclude-reviewed (default: <dataset>/.spuriosity/review.json, written by the panel\'s review queue)');
}

/** The image ids --exclude-reviewed leaves out (none without the flag); a malformed review file stops the command, naming the file. */
async function excludedByReview(datasetArg: string, flags: AnalysisFlags): Promise<string[]> {
  if (flags.review && !flags.excludeReviewed) throw new CliError('--review only applies with --exclude-reviewed');
  if (!flags.excludeReviewed) return [];
  const path = flags.review ? resolve(flags.review) : defaultReviewPath(annotationRoot(datasetArg));
  let ids: string[];
  try {
    ids = await reviewExcluded(path);
  } catch (e) {
    throw new CliError(`--exclude-reviewed: ${(e as Error).message}`);
  }
  process.stderr.write(`spuriosity: --exclude-reviewed: ${ids.length} image(s) marked excluded in ${path}\n`);
  return ids;
}

/** A ready analysis plus the pieces commands report on. */
export interface LoadedAnalysis {
  session: AnalysisSession;
  store: AnnotationFileStore;
  cacheDir: string;
}

/** Discovers, extracts with a progress bar on a TTY, opens the annotations, and analyses. */
export async function loadAnalysis(datasetArg: string, flags: AnalysisFlags): Promise<LoadedAnalysis> {
  const modelPath = resolve(flags.model ?? defaultModelPath());
  const cacheDir = resolve(flags.cache ?? defaultCacheDir(datasetArg));
  const dataset = await openDataset(datasetArg, cacheDir);
  const excluded = await excludedByReview(datasetArg, flags);
  const bar = progressBar();
  const options: AnalysisOptions = {
    headMode: flags.head, grouping: flags.grouping, topK: flags.k, gapK: flags.gapK, bootstrap: flags.bootstrap, seed: flags.seed, excluded,
  };
  let opened;
  try {
    opened = await openAnalysis({
      dataset, modelPath, cacheDir, threads: flags.threads, precision: flags.precision, options,
      onProgress: (p) => bar.update(p),
      openLabels: (model) => openLabelStore(annotationRoot(datasetArg), model, flags.annotations && resolve(flags.annotations)),
    });
  } finally {
    bar.stop();
  }
  reportNotice(opened.extraction.model.precision?.notice);
  reportFailures(opened.extraction.failures);
  return { session: opened.session, store: opened.labelStore, cacheDir };
}

/** An analysis the rank and gap reports can read (out of core or in memory), and its annotations. */
export interface LoadedView {
  session: StreamedSession | AnalysisSession;
  store: AnnotationFileStore;
  cacheDir: string;
}

/**
 * As loadAnalysis, but out of core: the features stay in the cache and no n x D matrix is held, so any dataset size
 * fits in memory. A fitted head needs the matrix: then (--head fit, or classes the model does not name) it falls back
 * to loadAnalysis.
 */
export async function loadReportAnalysis(datasetArg: string, flags: AnalysisFlags): Promise<LoadedView> {
  return outOfCoreOrInMemory<LoadedView>(flags.head, () => loadOutOfCore(datasetArg, flags), () => loadAnalysis(datasetArg, flags));
}

async function loadOutOfCore(datasetArg: string, flags: AnalysisFlags): Promise<LoadedView> {
  const { modelPath, cacheDir, dataset, options } = await prepare(datasetArg, flags);
  const bar = progressBar();
  let store: AnnotationFileStore | undefined;
  let session: StreamedSession;
  try {
    session = await StreamedSession.open({
      dataset, modelPath, cacheDir, threads: flags.threads, precision: flags.precision, options, onProgress: (p) => bar.update(p),
      openLabels: async (model) => (store = await openLabelStore(annotationRoot(datasetArg), model, flags.annotations && resolve(flags.annotations))),
    });
  } finally {
    bar.stop();
  }
  reportNotice(session.extraction.model.precision?.notice);
  reportFailures(session.extraction.failures);
  return { session, store: store!, cacheDir };
}

async function prepare(datasetArg: string, flags: AnalysisFlags) {
  const modelPath = resolve(flags.model ?? defaultModelPath());
  const cacheDir = resolve(flags.cache ?? defaultCacheDir(datasetArg));
  const dataset = await openDataset(datasetArg, cacheDir);
  const options: AnalysisOptions = {
    headMode: flags.head, grouping: flags.grouping, topK: flags.k, gapK: flags.gapK, bootstrap: flags.bootstrap, seed: flags.seed,
    excluded: await excludedByReview(datasetArg, flags),
  };
  return { modelPath, cacheDir, dataset, options };
}

/** Annotations live with the data: in the dataset folder, or beside a manifest. */
export function annotationRoot(datasetArg: string): string {
  return resolve(defaultCacheDir(datasetArg), '..');
}

/** The one-line --precision int8 fallback notice, on stderr. */
function reportNotice(notice: string | null | undefined): void {
  if (notice) process.stderr.write(`spuriosity: ${notice}\n`);
}

/** Lists unusable images on stderr: the first few in full, then a count (the extract --json report has them all). */
function reportFailures(failures: Array<{ path: string; reason: string; message: string }>, shown = 10): void {
  for (const f of failures.slice(0, shown)) process.stderr.write(`spuriosity: left out ${f.path}: ${f.reason}\n`);
  if (failures.length > shown) process.stderr.write(`spuriosity: … and ${failures.length - shown} more unusable image(s); \`spuriosity extract --json\` lists them all\n`);
}
