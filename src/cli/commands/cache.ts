// `spuriosity cache merge <dest> <src...>`: combine feature caches (the per-shard caches of a sharded extraction).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { discoverDataset, withoutSkippedUnder } from '../../engine/api/extraction';
import { mergeCaches } from '../../engine/api/stores';
import { CliError } from '../errors';

interface MergeFlags {
  dataset?: string;
  json?: boolean;
}

/** Registers the cache command group. */
export function registerCache(program: Command): void {
  const cache = program.command('cache').description('feature cache maintenance');
  cache
    .command('merge')
    .description('merge feature caches (e.g. one per --shard run) into <dest>: each image once, newest record, compacted')
    .argument('<dest>', 'cache root to merge into (created if missing; its own records take part)')
    .argument('<src...>', 'cache roots to merge from (only read)')
    .option('--dataset <dir>', 'keep only records of this dataset\'s current images, in its order (drops deleted or changed files)')
    .option('--json', 'print the merge report as JSON')
    .action(async (dest: string, srcs: string[], flags: MergeFlags) => {
      const destRoot = resolve(dest);
      let keep;
      if (flags.dataset) keep = withoutSkippedUnder(await discoverDataset(flags.dataset), destRoot).images;
      let report;
      try {
        report = await mergeCaches(destRoot, srcs, { keep });
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ dest: destRoot, sources: srcs.map((s) => resolve(s)), ...report }, null, 2)}\n`);
        return;
      }
      const lines = [`Merged ${srcs.length} cache(s) into ${destRoot}`];
      if (report.models.length === 0) lines.push('  no model folder with cache shards was found');
      for (const m of report.models) {
        lines.push(`  model ${m.sha256.slice(0, 12)} (${m.dim} features, ${m.classes} classes): ${m.rows} images with features, ${m.failures} cached failures` +
          ` (taken: ${m.taken.join(' + ')}; conflicting versions: ${m.conflicts}${keep ? `; dropped, not in the dataset: ${m.dropped}` : ''})`);
      }
      for (const p of report.problems) lines.push(`Warning: ${p.file}: ${p.problem}`);
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
