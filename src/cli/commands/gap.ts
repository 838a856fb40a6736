// `spuriosity gap <dataset>`: per-class spurious gaps with bootstrap intervals and their mean; a CI gate with --max-gap.
import type { Command } from 'commander';
import { gapReport } from '../../engine/api/reports';
import { addAnalysisOptions, loadReportAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { finiteNumber } from '../errors';
import { table } from '../format/table';
import { machineLabelLine, machineLabels } from './machineLabels';

/** Registers the gap command. */
export function registerGap(program: Command): void {
  addAnalysisOptions(program
    .command('gap')
    .description('spurious gap per class (accuracy on the k highest- minus k lowest-spuriosity validation images) and the mean over classes')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest'))
    .option('--max-gap <points>', 'exit with code 3 when the mean gap exceeds this many points (for CI gates)', finiteNumber('--max-gap'))
    .option('--json', 'print the report as JSON (schema spuriosity-lens/gap@1, see README)')
    .action(async (dataset: string, flags: AnalysisFlags & { maxGap?: number; json?: boolean }) => {
      const { session, store } = await loadReportAnalysis(dataset, flags);
      const r = gapReport(session);
      const machine = machineLabels(store.entries());
      const note = machineLabelLine(machine);
      if (flags.json) process.stdout.write(`${JSON.stringify({ ...r, machineLabels: machine.list }, null, 2)}\n`);
      else process.stdout.write(`${formatGap(r)}\n${note ? `${note}\n` : ''}`);
      if (flags.maxGap !== undefined) {
        if (!r.meanGap || r.meanGap.value === null) {
          process.stderr.write('spuriosity: --max-gap: no class has a spurious feature labeled, so there is no gap to check\n');
          process.exitCode = 2;
        } else if (r.meanGap.value > flags.maxGap) {
          process.stderr.write(`spuriosity: mean spurious gap ${r.meanGap.value} points exceeds --max-gap ${flags.maxGap}\n`);
          process.exitCode = 3;
        }
      }
    });
}

function formatGap(r: ReturnType<typeof gapReport>): string {
  const head = `Spurious gap (k = ${r.k}) — ${r.dataset.root}, head: ${r.head}, validation accuracy ${r.valAccuracy ?? '–'}%`;
  if (!r.meanGap) return `${head}\nNo class has a feature labeled spurious: label features (spuriosity annotations ...) to rank and measure.`;
  const rows = r.classes.map((c) => [c.name + (c.negative ? ' (negative)' : ''), c.valImages, c.k, c.accHigh, c.accLow, c.gap, c.ci ? `${c.ci[0]?.toFixed(1)} .. ${c.ci[1]?.toFixed(1)}` : '–']);
  const verdict = r.meanGap.significance === null ? '' : r.meanGap.significance === 'not-significant' ? ', not significant (interval includes 0)' : `, ${r.meanGap.significance} (interval excludes 0)`;
  const mean = `Mean gap: ${r.meanGap.value} points (95% CI ${r.meanGap.lo} .. ${r.meanGap.hi})${verdict} over ${r.classes.length} class(es)`;
  const left = r.unranked.length ? `\nNo spurious feature (left out): ${r.unranked.join(', ')}` : '';
  return `${head}\n${table(['class', 'val', 'k', 'acc high', 'acc low', 'gap', '95% CI'], rows)}\n${mean}${left}`;
}
