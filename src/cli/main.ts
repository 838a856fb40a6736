// `spuriosity` CLI entry: a thin registry of commands over the engine.
import { Command } from 'commander';
import { registerExtract } from './commands/extract';
import { registerRank } from './commands/rank';
import { registerGap } from './commands/gap';
import { registerTune } from './commands/tune';
import { registerAnnotations } from './commands/annotations';
import { oneLine } from './errors';

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
  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((e: unknown) => {
    process.stderr.write(`spuriosity: ${oneLine(e)}\n`);
    process.exitCode = 1;
  });
