// `spuriosity crop <dataset>`: core cropping (paper section 5). By default re-checks the negative-gap classes: their
// highest-spuriosity validation images re-classified on their core crops, original vs cropped prediction side by
// side. --class crops every image of a class, --image chosen images; --out exports the crops and a manifest.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { SingleBar } from 'cli-progress';
import type { AnalysisSession } from '../../engine/api/analysis';
import {
  analyzeCrops, type CropOptions, type CropClass, type CropProgress, type CropReport,
} from '../../engine/api/analyses';
import { inProcessRunner } from '../../engine/api/jobs';
import { addAnalysisOptions, loadAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { CliError, positiveInt } from '../errors';
import { writeFailures } from '../failureLines';
import { interruptible } from '../interrupt';
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

/** A progress bar for the two phases on a TTY (in percent: one count covers a heatmap and a crop per image); nothing otherwise. */
function cropBar(enabled = process.stderr.isTTY === true): { update(p: CropProgress): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({ stream: process.stderr, format: '{phase} |{bar}| {percentage}%', hideCursor: true, clearOnComplete: true });
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
      if (flags.manifestOnly && !flags.out) throw new CliError('--manifest-only needs --out <dir>');
      if (flags.image?.length && (flags.class?.length || flags.recheck)) throw new CliError('--image cannot be combined with --class or --recheck');
      const scope: CropOptions['scope'] = flags.image?.length ? 'images' : flags.class?.length && !flags.recheck ? 'class' : 'recheck';
      if (flags.top !== undefined && scope !== 'recheck') {
        throw new CliError(`--top applies to the re-check only (the default, or --recheck); ${scope === 'class' ? '--class alone crops every image of the class' : '--image crops the images named'}`);
      }
      if (flags.out && statSync(flags.out, { throwIfNoEntry: false })?.isDirectory() === false) {
        throw new CliError(`--out must be a folder: ${resolve(flags.out)} is a file`);
      }
      const { session, cacheDir } = await loadAnalysis(dataset, flags);
      const bar = cropBar();
      let report: CropReport;
      try {
        report = await interruptible('core cropping cancelled; the heatmaps computed so far are cached', (signal) => analyzeCrops(session, {
          scope, classes: flags.class, images: flags.image, k: flags.top, cacheDir, exportDir: flags.out ?? null,
          manifestOnly: flags.manifestOnly, threads: flags.threads, signal, onProgress: (p) => bar.update(p),
        }, inProcessRunner('crop')));
      } finally {
        bar.stop();
      }
      writeFailures('could not crop', report.failures);
      if (flags.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      else process.stdout.write(`${formatCrop(report, notRechecked(session, report, flags.class))}\n`);
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

/** Classes named with --recheck --class that the re-check left out, each with why (its gap is not negative, or it has none). */
function notRechecked(s: AnalysisSession, r: CropReport, named: string[] | undefined): string[] {
  if (r.scope !== 'recheck' || !named) return [];
  return named.filter((name) => !r.classes.some((c) => c.name === name)).map((name) => {
    const g = s.gaps.classes.find((x) => x.cls === s.classId(name));
    if (!g) return `${name} has no spurious gap (no ranking: label a top feature of it spurious first), so there is nothing to re-check; crop it with --class ${name} alone.`;
    const pts = Math.round(g.gap * 1000) / 10;
    return `${name} has a spurious gap of ${pts > 0 ? '+' : ''}${pts.toFixed(1)} points, not negative, so the re-check leaves it out; crop it with --class ${name} alone.`;
  });
}

function formatCrop(r: CropReport, notes: string[] = []): string {
  const what = r.scope === 'recheck' ? `re-check of negative-gap classes, ${r.k} highest-spuriosity validation images each`
    : r.scope === 'class' ? 'every image of the chosen classes' : 'the chosen images';
  const head = `Core crops (${what}) — ${r.dataset}, head: ${r.head}; threshold ${r.params.threshold}, growth ${r.params.growth * 100}%, ` +
    `reliable: top ${r.params.reliableFraction * 100}% by core activation`;
  const noted = notes.map((n) => `\n${n}`).join('');
  if (!r.classes.length) {
    if (notes.length) return `${head}${noted}`;
    return `${head}\n${r.scope === 'recheck' ? 'No class has a negative spurious gap: nothing to re-check (label spurious features first, or crop a class with --class).' : 'Nothing to crop.'}`;
  }
  const t = r.totals;
  const total = `Total: ${t.cropped}/${t.images} cropped, ${t.changed} prediction(s) changed (${t.fixed} fixed, ${t.broken} broken); ${t.reliable} reliable crop(s).`;
  const exp = r.export ? `\nExported ${r.export.files} crop(s) and ${r.export.manifest}` : '';
  return `${head}${noted}\n\n${r.classes.map(formatClass).join('\n\n')}\n\n${total}${exp}`;
}
