// `spuriosity rank <dataset>`: top features per class with per-feature gaps and labels, and each class's ranking ends.
import type { Command } from 'commander';
import { rankReport } from '../../engine/api/reports';
import { addAnalysisOptions, loadReportAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { positiveInt } from '../errors';
import { table } from '../format/table';
import { machineLabels, machineLabelLine } from './machineLabels';

/** Registers the rank command. */
export function registerRank(program: Command): void {
  addAnalysisOptions(program
    .command('rank')
    .description('top neural features per class and spuriosity rankings (lowest and highest images) of classes with a spurious feature')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest'))
    .option('--show <n>', 'images listed at each end of a ranking', positiveInt('--show'), 5)
    .option('--json', 'print the report as JSON (schema spuriosity-lens/rank@1, see README)')
    .action(async (dataset: string, flags: AnalysisFlags & { show: number; json?: boolean }) => {
      const { session, store } = await loadReportAnalysis(dataset, flags);
      const r = rankReport(session, flags.show);
      const machine = machineLabels(store.entries());
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ ...r, annotations: store.path, machineLabels: machine.list }, null, 2)}\n`);
        return;
      }
      const out: string[] = [`Spuriosity rankings — ${r.dataset.root} (head: ${r.head}, annotations: ${store.path})`];
      const note = machineLabelLine(machine);
      if (note) out.push(note);
      for (const c of r.classes) {
        out.push('', `${c.name}: ${c.trainImages} train / ${c.valImages} val, val accuracy ${c.valAccuracy ?? '–'}%`);
        if (c.noFeaturesReason) out.push(`  no top features: ${c.noFeaturesReason}`);
        else out.push(table(['feature', 'importance', 'feature gap', 'label'], c.topFeatures.map((f) => [String(f.feature), f.importance, f.perFeatureGap, f.label ? `${f.label}${f.subtype ? ` (${f.subtype})` : ''}${machine.has(c.name, f.feature) ? ' [machine]' : ''}` : 'unlabeled'])).replace(/^/gm, '  '));
        if (c.ranking) {
          out.push(`  lowest spuriosity (val):  ${c.ranking.val.lowest.map((x) => `${x.image} (${x.spuriosity.toFixed(2)})`).join(', ')}`);
          out.push(`  highest spuriosity (val): ${c.ranking.val.highest.map((x) => `${x.image} (${x.spuriosity.toFixed(2)})`).join(', ')}`);
        } else out.push('  no ranking: no feature of this class is labeled spurious');
      }
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
