// `spuriosity annotations import|export|from-probes`: move labels between our file and Salient ImageNet's votes CSV,
// label top features from probe images of a benchmark with a known cue, or suggest labels from object masks (suggest.ts).
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { exportSalientCsv, parseSalientCsv, salientToAnnotations } from '../../core/salientImagenet';
import { annotateFromProbes } from '../../engine/api/analysis';
import { writeAtomic } from '../../engine/api/stores';
import { addAnalysisOptions, loadAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { registerSuggest } from './suggest';

/** Registers `annotations` and its subcommands. */
export function registerAnnotations(program: Command): void {
  const ann = program.command('annotations').description('import, export or generate core/spurious labels of (class, feature) pairs');

  addAnalysisOptions(ann.command('import')
    .description("merge Salient ImageNet's votes CSV (a pair is spurious when at least 3 of 5 votes are separate_object or background)")
    .argument('<dataset>', 'ImageFolder root or manifest')
    .requiredOption('--votes <csv>', 'votes file with columns WorkerId, Input.wordnet_id, Input.class_index, Input.feature_index, Input.feature_rank, Answer.main, Answer.confidence, Answer.reasons'))
    .action(async (dataset: string, flags: AnalysisFlags & { votes: string }) => {
      const { session, store } = await loadAnalysis(dataset, flags);
      const votesPath = resolve(flags.votes);
      const imported = parseSalientCsv(await readFile(votesPath, 'utf8'), votesPath);
      for (const w of imported.warnings) process.stderr.write(`spuriosity: ${w}\n`);
      const wnids = session.model.card.wnids ?? [];
      const byWnid = new Map(wnids.map((w, i) => [w, session.classNames[i]] as const));
      const present = new Set(session.datasetClassIds.map((c) => session.classNames[c]));
      const nameOf = (classIndex: number, wnid: string) => {
        const n = byWnid.get(wnid) ?? session.classNames[classIndex];
        return n !== undefined && present.has(n) ? n : undefined;
      };
      const merged = salientToAnnotations(imported, store.file, nameOf, new Date().toISOString());
      await store.replace(merged.file);
      process.stdout.write(`imported ${merged.imported} pair(s) into ${store.path}` +
        (merged.unmatchedClasses.length ? `; ${merged.unmatchedClasses.length} class index(es) not in this dataset were skipped` : '') + '\n');
    });

  addAnalysisOptions(ann.command('export')
    .description("write the labels as Salient ImageNet votes (5 identical votes per pair, so a re-import gives the same labels)")
    .argument('<dataset>', 'ImageFolder root or manifest')
    .requiredOption('--out <csv>', 'file to write'))
    .action(async (dataset: string, flags: AnalysisFlags & { out: string }) => {
      const { session, store } = await loadAnalysis(dataset, flags);
      const wnids = session.model.card.wnids;
      const classes = session.classNames.map((name, index) => ({ name, index, ...(wnids?.[index] ? { wnid: wnids[index] } : {}) }));
      const { csv, skippedClasses } = exportSalientCsv(store.file, classes);
      await writeAtomic(resolve(flags.out), csv);
      process.stdout.write(`wrote ${resolve(flags.out)}${skippedClasses.length ? ` (skipped unknown classes: ${skippedClasses.join(', ')})` : ''}\n`);
    });

  addAnalysisOptions(ann.command('from-probes')
    .description('label each class\'s top features from probe images: spurious when a feature responds more to the cue drawn alone (PROBES/cue/<class>/) than to the object on a plain background (PROBES/object/<class>/)')
    .argument('<dataset>', 'ImageFolder root or manifest')
    .option('--probes <dir>', 'probe folder (default: <dataset>/probes)')
    .option('--keep', 'keep labels that already exist instead of overwriting them'))
    .action(async (dataset: string, flags: AnalysisFlags & { probes?: string; keep?: boolean }) => {
      const { session, store, cacheDir } = await loadAnalysis(dataset, flags);
      const probes = resolve(flags.probes ?? join(resolve(dataset), 'probes'));
      const r = await annotateFromProbes(session, store, probes, cacheDir, { keep: flags.keep, threads: flags.threads });
      process.stdout.write(`labeled ${r.labeled} (class, feature) pair(s) from probes, ${r.spurious} spurious; wrote ${store.path}\n`);
    });

  registerSuggest(ann);
}
