// `spuriosity report <dataset> --out F.html`: the extension's Export Report from the command line (HTML with embedded
// thumbnails, Markdown, or the rank + gap JSON, chosen by the file's extension).
import { basename, extname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { cachedThumbnails, htmlReport, markdownReport, gapReport, rankReport } from '../../engine/api/reports';
import { writeAtomic, ThumbnailCache } from '../../engine/api/stores';
import { DEFAULT_DECODE_OPTIONS } from '../../engine/api/extraction';
import { addAnalysisOptions, loadAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { CliError } from '../errors';

/** Registers the report command. */
export function registerReport(program: Command): void {
  addAnalysisOptions(program
    .command('report')
    .description('write a report: per class its gap with interval, top features with labels and images, and its ranking ends (.html with embedded thumbnails, .md, or .json)')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest'))
    .option('--out <file>', 'report file; .html, .md or .json (default: ./spuriosity-report-<dataset>.html)')
    .action(async (dataset: string, flags: AnalysisFlags & { out?: string }) => {
      const out = resolve(flags.out ?? `spuriosity-report-${basename(resolve(dataset)).replace(/\.(csv|jsonl)$/i, '')}.html`);
      const ext = extname(out).toLowerCase();
      if (ext !== '.html' && ext !== '.htm' && ext !== '.md' && ext !== '.json') throw new CliError(`--out ${out}: the extension must be .html, .md or .json`);
      const { session, cacheDir } = await loadAnalysis(dataset, flags);
      const body = ext === '.json'
        ? `${JSON.stringify({ rank: rankReport(session), gap: gapReport(session) }, null, 2)}\n`
        : ext === '.md' ? markdownReport(session)
          : await htmlReport(session, { thumbnail: cachedThumbnails(new ThumbnailCache(join(cacheDir, 'thumbs'), DEFAULT_DECODE_OPTIONS)) });
      await writeAtomic(out, body);
      process.stdout.write(`wrote ${out}\n`);
    });
}
