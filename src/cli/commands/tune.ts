// `spuriosity tune <dataset>`: fine-tune the linear head on low-spuriosity images (or a baseline), before/after, exports.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { fromPoints, parseTuningMethod, toPoints, TUNING_METHODS, type TuningMethod } from '../../core/vocabulary';
import { checkPresetKnobs, SCALED_MAX_EPOCHS, type TunePreset } from '../../core/mitigate';
import { LBFGS_DEFAULTS } from '../../core/headTune';
import { tuneAnalysis, type TuneOptions, type TuneOutcome, type AnalysisView } from '../../engine/api/analysis';
import { inProcessRunner } from '../../engine/api/jobs';
import { headJson, writeHeadNpy, writeAtomic, writeModelWithHead } from '../../engine/api/stores';
import { addAnalysisOptions, loadReportAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { CliError, finiteNumber, intInRange, positiveInt } from '../errors';
import { table } from '../format/table';

interface TuneFlags extends AnalysisFlags, OptimiserFlags {
  /** A tuning method, 'low' (its short form, and what older versions wrote) or 'all'. */
  method: TuningMethod | 'low' | 'all';
  out?: string;
  json?: boolean;
}

/** The tune command's optimiser flags, as commander parses them. */
export interface OptimiserFlags {
  tuneK: number;
  /** Points. */
  threshold: number;
  seed?: number;
  preset?: TunePreset;
  l2Pull?: number;
  maxIter?: number;
  pullStart?: number;
  gradTol?: number;
  maxAccuracyDrop?: number;
  kShare?: number;
  steps?: number;
  lr?: number;
  lrScale?: number;
  batch?: number;
  maxEpochs?: number;
  momentum?: number;
}

/** tuneHead's options from the tune command's flags (refuses a knob of the other recipe than --preset's, naming both). */
export function cliTuneOptions(f: OptimiserFlags): TuneOptions {
  const opts: TuneOptions = {
    k: f.tuneK, threshold: fromPoints(f.threshold), preset: f.preset, seed: f.seed,
    l2Pull: f.l2Pull, pullStart: f.pullStart, maxIter: f.maxIter, gradTol: f.gradTol,
    maxAccuracyDrop: f.maxAccuracyDrop === undefined ? undefined : fromPoints(f.maxAccuracyDrop), kShare: f.kShare,
    steps: f.steps, lr: f.lr, lrScale: f.lrScale, batch: f.batch, maxEpochs: f.maxEpochs, momentum: f.momentum,
  };
  if (f.kShare !== undefined && !(f.kShare > 0 && f.kShare <= 1)) throw new CliError(`--k-share must be a share in (0, 1], got ${f.kShare}`);
  try {
    checkPresetKnobs(opts);
  } catch (e) {
    const flag = (k: string) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new CliError((e as Error).message.replace(/\b(steps|lrScale|lr|batch|maxEpochs|momentum|l2Pull|pullStart|maxIter|gradTol|maxAccuracyDrop)\b/g, flag).replace(/'(lbfgs|scaled|authors)'/g, '--preset $1'));
  }
  return opts;
}

function positiveNumber(option: string): (value: string) => number {
  const parse = finiteNumber(option);
  return (value) => {
    const n = parse(value);
    if (!(n > 0)) throw new InvalidArgumentError(`${option} must be a number > 0, got "${value}"`);
    return n;
  };
}

function nonNegativeNumber(option: string): (value: string) => number {
  const parse = finiteNumber(option);
  return (value) => {
    const n = parse(value);
    if (!(n >= 0)) throw new InvalidArgumentError(`${option} must be a number >= 0, got "${value}"`);
    return n;
  };
}

/** `spuriosity tune --json` (schema spuriosity-lens/tune@1): gaps and accuracies in points. */
export function tuneReport(session: AnalysisView, flags: Pick<TuneFlags, 'tuneK' | 'threshold' | 'preset'>, results: Array<{ outcome: TuneOutcome; files: string[] }>) {
  return {
    schema: 'spuriosity-lens/tune@1' as const,
    dataset: session.dataset.root,
    model: { path: session.model.path, sha256: session.model.sha256 },
    head: session.headSource,
    tuneK: flags.tuneK,
    thresholdPoints: flags.threshold,
    preset: flags.preset ?? 'lbfgs',
    methods: results.map(({ outcome: o, files }) => ({
      method: o.method,
      tuningImages: o.tuningImages,
      schedule: o.result.schedule,
      stoppedBecause: o.result.stoppedBecause,
      before: { gap: toPoints(o.result.before.meanGap), valAccuracy: toPoints(o.result.before.valAccuracy) },
      after: { gap: toPoints(o.result.after.meanGap), valAccuracy: toPoints(o.result.after.valAccuracy), epoch: o.result.after.epoch, steps: o.result.after.steps ?? null },
      history: o.result.history.map((h) => ({ epoch: h.epoch, steps: h.steps ?? null, gap: toPoints(h.meanGap), valAccuracy: toPoints(h.valAccuracy), trainLoss: Number.isFinite(h.trainLoss) ? Math.round(h.trainLoss * 1e4) / 1e4 : null })),
      files,
    })),
  };
}

/** Registers the tune command. */
export function registerTune(program: Command): void {
  addAnalysisOptions(program
    .command('tune')
    .description('fine-tune the linear head on the k lowest-spuriosity training images per class with a spurious feature (or a baseline) and report gap and accuracy before/after')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest'))
    .addOption(new Option('--method <m>', 'low-spuriosity (or low): lowest spuriosity (the paper); random / error: baselines; all: the three, same budget').choices([...TUNING_METHODS, 'low', 'all']).default('low-spuriosity'))
    .option('--tune-k <n>', 'tuning images per class (capped at --k-share of the class)', positiveInt('--tune-k'), 100)
    .option('--threshold <points>', 'stop once the mean validation gap is below this many points', finiteNumber('--threshold'), 5)
    .addOption(new Option('--preset <p>', 'lbfgs: full-batch L-BFGS from the original head with an L2 pull toward it, weakened round by round from --pull-start to --l2-pull, gap and accuracy checked after each round (no step size to choose); '
      + "scaled: SGD, a step budget with a feature-scaled learning rate; authors: the reference code's SGD, lr 0.001, batch 128, 20 epochs").choices(['lbfgs', 'scaled', 'authors']).default('lbfgs'))
    .option('--l2-pull <x>', `lbfgs: the last round's pull toward the original head, on standardised features (default ${LBFGS_DEFAULTS.l2Pull})`, nonNegativeNumber('--l2-pull'))
    .option('--pull-start <x>', `lbfgs: the first round's pull; rounds go down two a decade to --l2-pull, each solved to --grad-tol (default ${LBFGS_DEFAULTS.pullStart}; at or below --l2-pull: one round)`, nonNegativeNumber('--pull-start'))
    .option('--max-iter <n>', `lbfgs: L-BFGS iterations at most over all rounds (default ${LBFGS_DEFAULTS.maxIter})`, intInRange('--max-iter', 1, 100_000))
    .option('--max-accuracy-drop <points>', `lbfgs: a round that loses more validation accuracy than this against the original head ends tuning with the round before (default ${LBFGS_DEFAULTS.maxAccuracyDrop * 100}; 100 turns it off)`, nonNegativeNumber('--max-accuracy-drop'))
    .option('--k-share <x>', 'tuning images per class at most this share of the class\'s training images (default 0.25: k = min(--tune-k, a quarter of the class); 1: --tune-k as is)', positiveNumber('--k-share'))
    .option('--grad-tol <x>', `lbfgs: converged once the largest gradient entry is below this (default ${LBFGS_DEFAULTS.gradTol})`, positiveNumber('--grad-tol'))
    .option('--steps <n>', `scaled: SGD step budget (default 300); at most ${SCALED_MAX_EPOCHS} epochs are run, so a larger budget is capped (the JSON says so: schedule.capped)`, positiveInt('--steps'))
    .option('--lr <x>', 'scaled/authors: learning rate (scaled default: --lr-scale / mean(|x|^2 + 1); authors: 0.001)', positiveNumber('--lr'))
    .option('--lr-scale <x>', 'scaled: learning-rate scale (default 0.1)', positiveNumber('--lr-scale'))
    .option('--batch <n>', 'scaled/authors: batch size (scaled default min(128, ceil(N / 8)); authors: 128)', positiveInt('--batch'))
    .option('--max-epochs <n>', `scaled/authors: epochs (overrides the step budget; authors default 20)`, positiveInt('--max-epochs'))
    .option('--momentum <x>', 'scaled/authors: SGD momentum in [0, 1) (default 0.9)', nonNegativeNumber('--momentum'))
    .option('--out <dir>', 'write each tuned head (JSON, .npy) and the model with it swapped in (ONNX) here')
    .option('--json', 'print the before/after report as JSON (schema spuriosity-lens/tune@1, see README)')
    .action(async (dataset: string, flags: TuneFlags) => {
      const tuneOpts = cliTuneOptions(flags);
      // out of core unless a head must be fitted: only the tuning and validation rows are read from the cache
      const { session } = await loadReportAnalysis(dataset, flags);
      const methods: TuningMethod[] = flags.method === 'all' ? [...TUNING_METHODS] : [parseTuningMethod(flags.method)!];
      const results: Array<{ outcome: TuneOutcome; files: string[] }> = [];
      for (const method of methods) {
        const outcome = await tuneAnalysis(session, method, {
          ...tuneOpts,
          // Large tuning sets run their epochs in ONNX Runtime (GEMM speed), here in the CLI's process.
          ortRunner: inProcessRunner('tune'),
          onEpoch: (r) => { if (!flags.json && process.stderr.isTTY) process.stderr.write(`\r${method}: epoch ${r.epoch}, gap ${toPoints(r.meanGap)}, val acc ${toPoints(r.valAccuracy)}   `); },
        });
        if (!flags.json && process.stderr.isTTY) process.stderr.write('\n');
        const files: string[] = [];
        if (flags.out) {
          const dir = resolve(flags.out);
          await mkdir(dir, { recursive: true });
          const base = join(dir, `head-${method}`);
          await writeAtomic(`${base}.json`, headJson(outcome.head, session.classNames, { method }));
          files.push(`${base}.json`, ...(await writeHeadNpy(outcome.head, base)));
          const onnx = join(dir, `model-${method}.onnx`);
          await writeModelWithHead(session.model.path, outcome.head, onnx, { labels: session.classNames });
          files.push(onnx);
        }
        results.push({ outcome, files });
      }
      const report = tuneReport(session, flags, results);
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const rows = report.methods.map((m) => [m.method, m.tuningImages, m.before.gap, m.after.gap, m.before.valAccuracy, m.after.valAccuracy, m.after.epoch, m.after.steps, m.stoppedBecause]);
      process.stdout.write(`Fine-tuning the linear head (${session.headSource} head, k = ${flags.tuneK} per class, preset ${report.preset})\n`);
      process.stdout.write(`${table(['method', 'images', 'gap before', 'gap after', 'val acc before', 'val acc after', report.preset === 'lbfgs' ? 'rounds' : 'epochs', report.preset === 'lbfgs' ? 'iterations' : 'steps', 'stopped'], rows)}\n`);
      for (const m of report.methods) {
        const sc = m.schedule;
        if (sc.optimizer === 'sgd' && sc.capped) process.stderr.write(`${m.method}: --steps ${sc.stepsRequested} capped at ${SCALED_MAX_EPOCHS} epochs (${sc.epochs * sc.stepsPerEpoch} steps)\n`);
      }
      for (const m of report.methods) for (const f of m.files) process.stdout.write(`wrote ${f}\n`);
    });
}
