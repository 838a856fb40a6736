// `spuriosity sensitivity <dataset>`: how much accuracy on a feature's top-activating images drops when its
// region is grayed (colour), blurred (texture) or patch-rotated (shape) — paper appendix B.
import { InvalidArgumentError, Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { reportHeader } from '../../engine/api/reports';
import {
  measureSensitivity, DEFAULT_MAX_PAIRS, sensitivityScope, type SensitivityReport, type SensitivitySplit,
} from '../../engine/api/analyses';
import { inProcessRunner } from '../../engine/api/jobs';
import type { ExtractProgress } from '../../engine/api/extraction';
import { addAnalysisOptions, loadAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { CliError, nonNegativeInt, positiveInt } from '../errors';
import { writeFailures } from '../failureLines';
import { interruptible } from '../interrupt';
import { table } from '../format/table';

interface SensitivityFlags extends AnalysisFlags {
  class?: string;
  feature?: number;
  images: number;
  topPercent?: number;
  split: SensitivitySplit;
  maxPairs: number;
  blurSigma?: number;
  patch?: number;
  batch?: number;
  json?: boolean;
}

/** Commander parser for a number in (lo, hi]. */
function numberIn(option: string, lo: number, hi: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !(n > lo && n <= hi)) throw new InvalidArgumentError(`${option} must be a number greater than ${lo} and at most ${hi}, got "${value}"`);
    return n;
  };
}

/** Registers the sensitivity command. */
export function registerSensitivity(program: Command): void {
  addAnalysisOptions(program
    .command('sensitivity')
    .description('feature sensitivity: accuracy drop on a feature\'s top-activating images when its region is grayed, blurred or patch-rotated (paper appendix B)')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest'))
    .option('--class <name>', 'only this class (with no --feature: its top features)')
    .option('--feature <n>', 'only this feature (with no --class: every class having it among its top features)', nonNegativeInt('--feature'))
    .option('--images <n>', 'top-activating images per feature', positiveInt('--images'), 65)
    .addOption(new Option('--top-percent <p>', 'use the top p% of the class\'s images instead of --images').argParser(numberIn('--top-percent', 0, 100)).conflicts('images'))
    .addOption(new Option('--split <s>', 'which of the class\'s images to draw from').choices(['train', 'val', 'all']).default('train'))
    .option('--max-pairs <n>', 'measure at most this many (class, feature) pairs', positiveInt('--max-pairs'), DEFAULT_MAX_PAIRS)
    .option('--blur-sigma <fraction>', 'Gaussian blur sigma as a fraction of the model-input side (default 1/32)', numberIn('--blur-sigma', 0, 1))
    .option('--patch <fraction>', 'patch side of patch-rotate as a fraction of the model-input side (default 1/8)', numberIn('--patch', 0, 1))
    .option('--batch <n>', 'images per inference batch', positiveInt('--batch'))
    .option('--json', 'print the report as JSON (schema spuriosity-lens/sensitivity@1, see README)')
    .action(async (dataset: string, flags: SensitivityFlags) => {
      const { session } = await loadAnalysis(dataset, flags);
      const scope = sensitivityScope(session, { cls: flags.class, feature: flags.feature, maxPairs: flags.maxPairs });
      if (scope.pairs.length === 0) {
        throw new CliError(flags.class !== undefined || flags.feature !== undefined
          ? 'no (class, feature) pair matches: --feature alone needs a class with that feature among its top features'
          : 'no top feature is labelled yet: label some (spuriosity annotations …) or pass --class C to measure a class\'s top features');
      }
      if (scope.truncated) process.stderr.write(`spuriosity: measuring the first ${scope.pairs.length} pairs; ${scope.truncated} more left out (--max-pairs, --class, --feature)\n`);
      const bar = progress();
      let report: SensitivityReport;
      try {
        report = await interruptible('sensitivity interrupted; nothing was measured (run again with fewer pairs or images)', (signal) => measureSensitivity(session, scope.pairs, inProcessRunner('sensitivity'), {
          // --images has a default: pass it only when --top-percent does not choose the images
          images: flags.topPercent === undefined ? flags.images : undefined, topPercent: flags.topPercent ?? null, split: flags.split,
          blurSigmaFraction: flags.blurSigma, patchFraction: flags.patch, seed: flags.seed, threads: flags.threads, batchSize: flags.batch,
          onProgress: bar.update, signal,
        }));
      } finally {
        bar.stop();
      }
      writeFailures('left out', report.failures);
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...reportHeader(session), ...report, truncatedPairs: scope.truncated }, null, 2)}\n`);
      else process.stdout.write(`${format(report)}\n`);
    });
}

/** A progress bar on stderr when it is a terminal (inferences: clean + 3 corrupted per image). */
function progress(enabled = process.stderr.isTTY === true): { update(p: ExtractProgress): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ stream: process.stderr, format: 'sensitivity |{bar}| {value}/{total} inferences | {rate} img/s | ETA {etaText}', hideCursor: true, clearOnComplete: true });
  let started = false;
  return {
    update(p) {
      const payload = { rate: p.imagesPerSecond.toFixed(1), etaText: p.etaSeconds === null ? '--' : `${Math.ceil(p.etaSeconds)}s` };
      if (!started) bar.start(Math.max(1, p.total), p.done, payload);
      else bar.update(p.done, payload);
      started = true;
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/** One decimal, without the '-0.0' toFixed gives a small negative number. */
function oneDecimal(x: number): string {
  const s = x.toFixed(1);
  return s === '-0.0' ? '0.0' : s;
}

function format(r: SensitivityReport): string {
  const p = r.params;
  const head = `Feature sensitivity — top ${p.topPercent !== null ? `${p.topPercent}%` : p.images} ${p.split} images per feature, ` +
    `${p.inputSize} px input, blur sigma ${p.blurSigmaPx} px, patches ${p.patchPx} px, seed ${p.seed}. ` +
    'Sensitivity = clean accuracy - corrupted accuracy (points); in brackets the mean drop of the true class\'s probability.';
  const cell = (f: SensitivityReport['features'][number], i: number) => `${oneDecimal(f.outcomes[i].sensitivity)} (${oneDecimal(f.outcomes[i].probabilityDrop)})`;
  const rows = r.features.map((f) => [f.cls, String(f.feature), f.label ?? 'unlabelled', f.maskSource, f.imageCount, f.meanMask, f.cleanAccuracy, cell(f, 0), cell(f, 1), cell(f, 2)]);
  const out = [head, table(['class', 'feature', 'label', 'mask', 'images', 'mask mean', 'clean acc', 'gray (colour)', 'blur (texture)', 'rotate (shape)'], rows)];
  for (const s of r.skipped) out.push(`skipped ${s.cls} / feature ${s.feature}: ${s.reason}`);
  return out.join('\n');
}
