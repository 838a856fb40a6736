// `spuriosity extract <dataset>`: features of every image into the cache, with a summary or --json report.
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { type Precision, discoverDataset, withoutSkippedUnder, extractSummary } from '../../engine/api/extraction';
import { parseShardSpec, selectShard, type ShardSpec } from '../../engine/api/stores';
import { precisionOption } from '../precisionOption';
import { buildExtractReport, formatExtractReport } from '../report';
import { defaultCacheDir, defaultModelPath } from '../paths';
import { progressBar } from '../progressBar';
import { CliError, positiveInt } from '../errors';

interface ExtractFlags {
  model?: string;
  cache?: string;
  threads?: number;
  batch?: number;
  pixelLimit?: number;
  retryFailed?: boolean;
  json?: boolean;
  shard?: ShardSpec;
  precision?: Precision;
}

/** Registers the extract command on the program. */
export function registerExtract(program: Command): void {
  program
    .command('extract')
    .description('compute (or load from the cache) pooled features and logits of every image of a dataset')
    .argument('<dataset>', 'ImageFolder root (ROOT/<class>/..., or ROOT/train + ROOT/val), or a .csv/.jsonl manifest')
    .option('--model <path>', 'ONNX classifier (default: the bundled demo model)')
    .option('--cache <dir>', 'feature cache root (default: <dataset>/.spuriosity, beside a manifest)')
    .option('--threads <n>', 'ONNX Runtime intra-op threads (default: cores - 1)', positiveInt('--threads'))
    .option('--batch <n>', 'images per inference batch (default 16)', positiveInt('--batch'))
    .option('--pixel-limit <n>', 'refuse images with more pixels than this (default 100000000)', positiveInt('--pixel-limit'))
    .addOption(precisionOption())
    .option('--retry-failed', 'decode again images whose failure is cached even though they did not change')
    .option('--shard <I/N>', 'extract only shard I (0-based) of N, chosen by a hash of each image path; merge shard caches with `spuriosity cache merge`', shardOption)
    .option('--json', 'print one JSON report on stdout (schema: src/cli/report.ts)')
    .action(async (datasetArg: string, flags: ExtractFlags) => {
      await runExtract(datasetArg, flags);
    });
}

async function runExtract(datasetArg: string, flags: ExtractFlags): Promise<void> {
  const modelPath = resolve(flags.model ?? defaultModelPath());
  const cacheDir = resolve(flags.cache ?? defaultCacheDir(datasetArg));
  // the cache folder sits inside the dataset by default: it is ours, not a skipped user file
  const whole = withoutSkippedUnder(await discoverDataset(datasetArg), cacheDir);
  const dataset = flags.shard ? { ...whole, images: selectShard(whole.images, flags.shard) } : whole;
  const bar = progressBar();
  // First Ctrl-C: stop after the current batch (finished batches stay cached); a second one kills.
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  let result;
  try {
    // The report needs counts and predictions only: features stay in the cache, memory stays flat in n.
    result = await extractSummary({
      dataset, modelPath, cacheDir, signal: controller.signal,
      threads: flags.threads, batchSize: flags.batch, pixelLimit: flags.pixelLimit, retryFailed: flags.retryFailed, precision: flags.precision,
      // the folder may hold other shards' records: compacting to this shard's images would drop them
      compact: !flags.shard,
      onProgress: (p) => bar.update(p),
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') {
      throw new CliError(`extraction interrupted; finished batches are cached in ${cacheDir}, run again to resume`);
    }
    throw new CliError(`${(e as Error).message}`);
  } finally {
    process.off('SIGINT', onSigint);
    bar.stop();
  }
  const notice = result.model.precision?.notice;
  // The human summary lists it among its warnings; --json keeps stdout a document, so say it on stderr.
  if (notice && flags.json) process.stderr.write(`spuriosity: ${notice}\n`);
  const report = buildExtractReport(dataset, result, cacheDir);
  const shard = flags.shard && { index: flags.shard.index, count: flags.shard.count, images: dataset.images.length, datasetImages: whole.images.length };
  if (flags.json) process.stdout.write(`${JSON.stringify(shard ? { ...report, shard } : report, null, 2)}\n`);
  else process.stdout.write(`${shard ? `Shard ${shard.index}/${shard.count}: ${shard.images} of the dataset's ${shard.datasetImages} images\n` : ''}${formatExtractReport(report)}\n`);
}

function shardOption(value: string): ShardSpec {
  try {
    return parseShardSpec(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
}
