// `spuriosity` CLI entry: a thin registry of commands over the engine.
import { Command } from 'commander';
import { registerExtract } from './commands/extract';
import { registerRank } from './commands/rank';
import { registerGap } from './commands/gap';
import { registerTune } from './commands/tune';
import { registerAnnotations } from './commands/annotations';
import { registerCrop } from './commands/crop';
import { registerCompare } from './commands/compare';
import { registerSensitivity } from './commands/sensitivity';
import { registerCache } from './commands/cache';
import { registerFeatures } from './commands/features';
import { registerReport } from './commands/report';
import { oneLine } from './errors';
import { hostDecodeThreads } from '../engine/api/extraction';

/** The program with every command registered. */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('spuriosity')
    .description('Spuriosity rankings for image classification datasets (NeurIPS 2023)')
    .showHelpAfterError('(run with --help for usage)');
  registerExtract(program);
  registerRank(program);
  registerGap(program);
  registerTune(program);
  registerAnnotations(program);
  registerCrop(program);
  registerSensitivity(program);
  registerCompare(program);
  registerCache(program);
  registerFeatures(program);
  registerReport(program);
  return program;
}

// This file is also the script of the extraction's decode threads (engine/extract/decodeThreads.ts):
// in one of those it only serves decodes.
if (!hostDecodeThreads()) {
  // A closed pipe (`spuriosity gap --json | head`) ends the output, not the process with a stack trace.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw e;
  });
  buildProgram()
    .parseAsync(process.argv)
    .catch((e: unknown) => {
      process.stderr.write(`spuriosity: ${oneLine(e)}\n`);
      process.exitCode = 1;
    });
}
