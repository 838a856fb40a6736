// `spuriosity tune <dataset>`: fine-tune the linear head on low-spuriosity images (or a baseline), before/after, exports.
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import type { TuningMethod } from '../../core/tuningSet';
import { tuneHead, type TuneOutcome } from '../../engine/analysis/tune';
import { ortInProcess } from '../../engine/train/ortMitigate';
import { headJson, writeHeadNpy } from '../../engine/export/headFiles';
import { writeAtomic } from '../../engine/fs/writeAtomic';
import { writeModelWithHead } from '../../engine/model/swapHead';
import { addAnalysisOptions, loadAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { finiteNumber, positiveInt } from '../errors';
import { table } from '../format/table';

interface TuneFlags extends AnalysisFlags {
  method: TuningMethod | 'all';
  out?: string;
  tuneK: number;
  threshold: number;
  preset: 'scaled' | 'authors';
  steps?: number;
  json?: boolean;
}

const pts = (x: number) => (Number.isFinite(x) ? Math.round(x * 10000) / 100 : null);

/** Registers the tune command. */
export function registerTune(program: Command): void {
  addAnalysisOptions(program
    .command('tune')
    .description('fine-tune the linear head on the k lowest-spuriosity training images per class with a spurious feature (or a baseline) and report gap and accuracy before/after')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest'))
    .addOption(new Option('--method <m>', 'low: lowest spuriosity (the paper); random / error: baselines; all: the three, same budget').choices(['low', 'random', 'error', 'all']).default('low'))
    .option('--tune-k <n>', 'tuning images per class (capped at the class size)', positiveInt('--tune-k'), 100)
    .option('--threshold <points>', 'stop once the mean validation gap is below this many points', finiteNumber('--threshold'), 5)
    .addOption(new Option('--preset <p>', "scaled: a 300-step budget with a feature-scaled learning rate (works from hundreds to ImageNet's 35,700 images); authors: SGD lr 0.001, batch 128, 20 epochs").choices(['scaled', 'authors']).default('scaled'))
    .option('--steps <n>', 'SGD step budget of the scaled preset', positiveInt('--steps'))
    .option('--out <dir>', 'write each tuned head (JSON, .npy) and the model with it swapped in (ONNX) here')
    .option('--json', 'print the before/after report as JSON (schema spuriosity-lens/tune@1, see README)')
    .action(async (dataset: string, flags: TuneFlags) => {
      const { session } = await loadAnalysis(dataset, flags);
      const methods: TuningMethod[] = flags.method === 'all' ? ['low', 'random', 'error'] : [flags.method];
      const results: Array<{ outcome: TuneOutcome; files: string[] }> = [];
      for (const method of methods) {
        const outcome = await tuneHead(session, method, {
          k: flags.tuneK, threshold: flags.threshold / 100, preset: flags.preset, steps: flags.steps, seed: flags.seed,
          // Large tuning sets run their epochs in ONNX Runtime (GEMM speed), here in the CLI's process.
          ortRunner: ortInProcess,
          onEpoch: (r) => { if (!flags.json && process.stderr.isTTY) process.stderr.write(`\r${method}: epoch ${r.epoch}, gap ${pts(r.meanGap)}, val acc ${pts(r.valAccuracy)}   `); },
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
      const report = {
        schema: 'spuriosity-lens/tune@1',
        dataset: session.dataset.root,
        model: { path: session.model.path, sha256: session.model.sha256 },
        head: session.headSource,
        tuneK: flags.tuneK,
        thresholdPoints: flags.threshold,
        methods: results.map(({ outcome: o, files }) => ({
          method: o.method,
          tuningImages: o.tuningImages,
          schedule: o.result.schedule,
          stoppedBecause: o.result.stoppedBecause,
          before: { gap: pts(o.result.before.meanGap), valAccuracy: pts(o.result.before.valAccuracy) },
          after: { gap: pts(o.result.after.meanGap), valAccuracy: pts(o.result.after.valAccuracy), epoch: o.result.after.epoch },
          history: o.result.history.map((h) => ({ epoch: h.epoch, gap: pts(h.meanGap), valAccuracy: pts(h.valAccuracy), trainLoss: Number.isFinite(h.trainLoss) ? Math.round(h.trainLoss * 1e4) / 1e4 : null })),
          files,
        })),
      };
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return;
      }
      const rows = report.methods.map((m) => [m.method, m.tuningImages, m.before.gap, m.after.gap, m.before.valAccuracy, m.after.valAccuracy, m.after.epoch, m.stoppedBecause]);
      process.stdout.write(`Fine-tuning the linear head (${session.headSource} head, k = ${flags.tuneK} per class, preset ${flags.preset})\n`);
      process.stdout.write(`${table(['method', 'images', 'gap before', 'gap after', 'val acc before', 'val acc after', 'epochs', 'stopped'], rows)}\n`);
      for (const m of report.methods) for (const f of m.files) process.stdout.write(`wrote ${f}\n`);
    });
}
