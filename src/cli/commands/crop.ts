// `spuriosity crop <dataset>`: core cropping (paper section 5). By default re-checks the negative-gap classes: their
// highest-spuriosity validation images re-classified on their core crops, original vs cropped prediction side by
// side. --class crops every image of a class, --image chosen images; --out exports the crops and a manifest.
import { Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import { analyzeCrops, type CropOptions } from '../../engine/crop/analyze';
import { inProcessCropRunner } from '../../engine/crop/runner';
import type { CropClass, CropProgress, CropReport } from '../../engine/crop/types';
import { addAnalysisOptions, loadAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { positiveInt } from '../errors';
import { table } from '../format/table';

interface CropFlags extends AnalysisFlags {
  class?: string[];
  image?: string[];
  recheck?: boolean;
  top?: number;
  out?: string;
  manifestOnly?: boolean;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** A progress bar for the two phases on a TTY; nothing otherwise. */
function cropBar(enabled = process.stderr.isTTY === true): { update(p: CropProgress): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ stream: process.stderr, format: '{phase} |{bar}| {value}/{total}', hideCursor: true, clearOnComplete: true });
  let started = false;
  const names = { maps: 'core heatmaps', crops: 'classifying crops', done: 'done' };
  return {
    update(p) {
      const payload = { phase: names[p.phase].padEnd(17) };
      if (!started) bar.start(Math.max(1, p.total), p.done, payload);
      else { bar.setTotal(Math.max(1, p.total)); bar.update(p.done, payload); }
      started = true;
    },
    stop: () => { if (started) bar.stop(); },
  };
}

/** Registers the crop command. */
export function registerCrop(program: Command): void {
  addAnalysisOptions(program
    .command('crop')
    .description('core cropping: re-classify images on the box around their class\'s core features (default: the highest-spuriosity validation images of negative-gap classes)')
    .argument('<dataset>', 'ImageFolder root or .csv/.jsonl manifest'))
    .option('--class <name>', 'crop every image of this class (repeatable); with --recheck, re-check only this class', collect)
    .option('--image <id>', 'crop this image (path relative to the dataset root; repeatable)', collect)
    .option('--recheck', 'the re-check of negative-gap classes (the default without --class/--image)')
    .option('--top <n>', 'highest-spuriosity validation images per class in the re-check (default: --gap-k)', positiveInt('--top'))
    .option('--out <dir>', 'export crops (full resolution, the dataset\'s layout) and crop-manifest.json to this folder, outside the dataset')
    .addOption(new Option('--manifest-only', 'with --out: write only crop-manifest.json (boxes in original pixels), no crop files'))
    .option('--json', 'print the report as JSON (schema spuriosity-lens/crop@1, see README)')
    .action(async (dataset: string, flags: CropFlags) => {
      if (flags.manifestOnly && !flags.out) throw new Error('--manifest-only needs --out <dir>');
      if (flags.image?.length && (flags.class?.length || flags.recheck)) throw new Error('--image cannot be combined with --class or --recheck');
      const { session, cacheDir } = await loadAnalysis(dataset, flags);
      const scope: CropOptions['scope'] = flags.image?.length ? 'images' : flags.class?.length && !flags.recheck ? 'class' : 'recheck';
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.once('SIGINT', onSigint);
      const bar = cropBar();
      let report: CropReport;
      try {
        report = await analyzeCrops(session, {
          scope, classes: flags.class, images: flags.image, k: flags.top ?? flags.gapK, cacheDir, exportDir: flags.out ?? null,
          manifestOnly: flags.manifestOnly, threads: flags.threads, signal: controller.signal, onProgress: (p) => bar.update(p),
        }, inProcessCropRunner());
      } finally {
        bar.stop();
        process.off('SIGINT', onSigint);
      }
      for (const f of report.failures.slice(0, 10)) process.stderr.write(`spuriosity: could not crop ${f.path}: ${f.reason}\n`);
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${formatCrop(report)}\n`);
    });
}

const box = (b: CropReport['classes'][number]['images'][number]['box']) => (b ? `${b.x},${b.y} ${b.width}x${b.height}` : null);

function formatClass(c: CropClass): string {
  const head = `${c.name}${c.gap !== null ? ` — gap ${c.gap} points${c.negativeGap ? ' (negative)' : ''}` : ''}, core features: ${c.coreFeatures.join(', ') || 'none'}`;
  if (c.noCropReason) return `${head}\n  ${c.noCropReason}`;
  const rows = c.images.map((im) => [
    im.image, im.spuriosity, im.coreActivation, im.reliable ? 'yes' : 'no', box(im.box) ?? im.noBoxReason,
    `${im.original.predicted}${im.original.correct ? '' : ' ✗'}`, im.cropped ? `${im.cropped.predicted}${im.cropped.correct ? '' : ' ✗'}` : null, im.change,
  ]);
  const n = c.counts;
  const sum = `  ${n.cropped}/${n.images} cropped, ${n.changed} changed (${n.fixed} fixed, ${n.broken} broken), ${n.reliable} reliable; ` +
    `accuracy on the cropped ${n.accOriginal ?? '–'}% -> ${n.accCropped ?? '–'}%`;
  return `${head}\n${table(['image', 'spuriosity', 'core act', 'reliable', 'box (x,y wxh)', 'original', 'cropped', 'change'], rows)}\n${sum}`;
}

function formatCrop(r: CropReport): string {
  const what = r.scope === 'recheck' ? `re-check of negative-gap classes, ${r.k} highest-spuriosity validation images each`
    : r.scope === 'class' ? 'every image of the chosen classes' : 'the chosen images';
  const head = `Core crops (${what}) — ${r.dataset}, head: ${r.head}; threshold ${r.params.threshold}, growth ${r.params.growth * 100}%, ` +
    `reliable: top ${r.params.reliableFraction * 100}% by core activation`;
  if (!r.classes.length) {
    return `${head}\n${r.scope === 'recheck' ? 'No class has a negative spurious gap: nothing to re-check (label spurious features first, or crop a class with --class).' : 'Nothing to crop.'}`;
  }
  const t = r.totals;
  const total = `Total: ${t.cropped}/${t.images} cropped, ${t.changed} prediction(s) changed (${t.fixed} fixed, ${t.broken} broken); ${t.reliable} reliable crop(s).`;
  const exp = r.export ? `\nExported ${r.export.files} crop(s) and ${r.export.manifest}` : '';
  return `${head}\n\n${r.classes.map(formatClass).join('\n\n')}\n\n${total}${exp}`;
}
