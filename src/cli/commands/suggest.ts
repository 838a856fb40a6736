// `spuriosity annotations suggest <dataset>`: machine suggestions for every class's top features from object masks
// (paper section 3.3 (a)): the share of each feature's NAM mass on the object over its top-activating images. Stored
// beside the annotations (suggestions.<sha8>.json); with --accept-confident the confident ones become labels marked
// as machine-made, never replacing a person's label.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DEFAULT_SUGGEST_THRESHOLDS, type SuggestThresholds } from '../../core/maskScore';
import { acceptSuggestions, planMaskScore, type FeatureVerdict } from '../../engine/api/analysis';
import {
  DEFAULT_IMAGES_PER_FEATURE, defaultSuggestionPath, scoreText, suggestionsFromScores, writeSuggestionFile,
  type MaskProblem,
} from '../../engine/api/stores';
import { inProcessRunner } from '../../engine/api/jobs';
import { CliError, positiveInt } from '../errors';
import { table } from '../format/table';
import { addAnalysisOptions, annotationRoot, loadAnalysis, type AnalysisFlags } from '../loadAnalysis';
import { progressBar } from '../progressBar';

interface SuggestFlags extends AnalysisFlags {
  masks?: string;
  segmenter?: string;
  images: number;
  acceptConfident?: boolean;
  coreThreshold: number;
  spuriousThreshold: number;
  json?: boolean;
}

const share = (option: string) => (v: string): number => {
  const x = Number(v);
  if (!(v.trim() !== '' && x >= 0 && x <= 1)) throw new CliError(`${option} must be a share in [0, 1] (e.g. 0.15), got "${v}"`);
  return x;
};

/** The masks folder: --masks, else <dataset>/masks when it exists; else why there can be no suggestion. */
function masksFolder(datasetArg: string, flag: string | undefined): string {
  const dir = resolve(flag ?? join(resolve(datasetArg), 'masks'));
  const ok = existsSync(dir) && statSync(dir).isDirectory();
  if (ok) return dir;
  if (flag) throw new CliError(`--masks ${dir}: no such folder (expected a folder mirroring the image tree: <masks>/<split>/<class>/<stem>.png per image)`);
  throw new CliError(`no object masks, so no suggestion: ${dir} does not exist; pass --masks DIR, a folder mirroring the image tree with <stem>.png per image`);
}

/** Who gave an existing label: an accepted suggestion, probe images (their note says so), or a person. */
function labelSource(v: FeatureVerdict): 'machine' | 'probes' | 'person' {
  return v.origin ? 'machine' : v.note?.startsWith('probe:') ? 'probes' : 'person';
}

/** Up to `n` problems named, then counts per reason: bad masks never stop the run. */
function reportProblems(problems: MaskProblem[], n = 10): void {
  if (!problems.length) return;
  const by = new Map<string, number>();
  for (const p of problems) by.set(p.reason, (by.get(p.reason) ?? 0) + 1);
  process.stderr.write(`spuriosity: ${problems.length} image(s) without a usable mask (${[...by].map(([r, c]) => `${c} ${r}`).join(', ')}); they are left out of the scores:\n`);
  for (const p of problems.slice(0, n)) process.stderr.write(`  ${p.message}\n`);
  if (problems.length > n) process.stderr.write(`  … and ${problems.length - n} more (--json lists them all)\n`);
}

/** Registers `annotations suggest` on the annotations command. */
export function registerSuggest(ann: Command): void {
  addAnalysisOptions(ann.command('suggest')
    .description("suggest core/spurious labels for every class's top features from object masks: the share of each feature's activation map on the object over its top-activating images (stored beside the annotations; a person's label is never overwritten)")
    .argument('<dataset>', 'ImageFolder root or manifest')
    .option('--masks <dir>', 'object masks: a folder mirroring the image tree, <stem>.png per image, any 8-bit or 1-bit mask (default: <dataset>/masks)')
    .option('--segmenter <model.onnx>', 'instead of masks: a foreground segmentation ONNX model with its card (<model>.card.json: preprocess, input, output), run on the scored images')
    .option('--images <n>', 'top-activating images scored per (class, feature)', positiveInt('--images'), DEFAULT_IMAGES_PER_FEATURE)
    .option('--core-threshold <share>', 'suggest core at or above this share of activation on the object', share('--core-threshold'), DEFAULT_SUGGEST_THRESHOLDS.core)
    .option('--spurious-threshold <share>', 'suggest spurious (background) at or below this share', share('--spurious-threshold'), DEFAULT_SUGGEST_THRESHOLDS.spurious)
    .option('--accept-confident', 'turn every confident suggestion into a label (origin recorded; pairs a person labeled are kept)')
    .option('--json', 'print the suggestions as JSON (schema spuriosity-lens/suggest@1)'))
    .action(async (dataset: string, flags: SuggestFlags) => {
      if (!(flags.spuriousThreshold < flags.coreThreshold)) throw new CliError(`--spurious-threshold (${flags.spuriousThreshold}) must be below --core-threshold (${flags.coreThreshold})`);
      if (flags.segmenter && flags.masks) throw new CliError('--masks and --segmenter are two sources of masks: give one');
      const segmenter = flags.segmenter ? resolve(flags.segmenter) : null;
      if (segmenter && !existsSync(segmenter)) throw new CliError(`--segmenter ${segmenter}: no such file`);
      const masks = segmenter ?? masksFolder(dataset, flags.masks);
      const { session, store, cacheDir } = await loadAnalysis(dataset, flags);
      const thresholds: SuggestThresholds = { ...DEFAULT_SUGGEST_THRESHOLDS, core: flags.coreThreshold, spurious: flags.spuriousThreshold };
      const items = planMaskScore(session, flags.images);
      const bar = progressBar();
      let result;
      try {
        result = await inProcessRunner('mask-score')(
          { modelPath: session.model.path, cacheDir, source: segmenter ? { kind: 'segmenter', modelPath: segmenter } : { kind: 'folder', dir: masks }, items, threads: flags.threads },
          { onProgress: (p) => bar.update(p) },
        );
      } finally {
        bar.stop();
      }
      reportProblems(result.maskProblems);
      for (const f of result.mapFailures.slice(0, 10)) process.stderr.write(`spuriosity: ${f.message}\n`);
      const model = { sha256: session.model.sha256, name: store.file.model.name };
      const file = suggestionsFromScores(result, { model, dataset: resolve(dataset), source: masks, imagesPerFeature: flags.images }, thresholds);
      const path = defaultSuggestionPath(annotationRoot(dataset), session.model.sha256);
      await writeSuggestionFile(path, file);

      const before = new Map(store.entries().map((e) => [`${e.cls}\0${e.feature}`, e.verdict] as const));
      const rows = items.map((it) => {
        const p = file.pairs[it.cls][String(it.feature)];
        const had = before.get(`${it.cls}\0${it.feature}`);
        const agrees = had && p.suggestion ? had.label === p.suggestion : null;
        return { class: it.cls, feature: it.feature, ...p, label: had?.label ?? null, labelBy: had ? labelSource(had) : null, agrees };
      });
      const compared = rows.filter((r) => r.agrees !== null);
      const agreement = { compared: compared.length, agree: compared.filter((r) => r.agrees).length };
      const confident = rows.filter((r) => r.suggestion !== null).length;
      const accepted = flags.acceptConfident ? await acceptSuggestions(session, file) : null;

      if (flags.json) {
        process.stdout.write(`${JSON.stringify({
          schema: 'spuriosity-lens/suggest@1', suggestions: path, annotations: store.path, source: masks, thresholds, imagesPerFeature: flags.images,
          pairs: rows, confident, agreement, accepted, maskProblems: result.maskProblems, mapFailures: result.mapFailures,
        }, null, 2)}\n`);
        return;
      }
      const fmt = (x: number | null) => (x === null ? '–' : `${(x * 100).toFixed(1)}%`);
      const out = [`Mask suggestions — ${resolve(dataset)} (${segmenter ? 'segmenter' : 'masks'}: ${masks}; core >= ${fmt(thresholds.core)}, spurious <= ${fmt(thresholds.spurious)} of the activation on the object)`];
      out.push(table(['class', 'feature', 'on object', 'spread (sd)', 'images', 'suggestion', 'label', 'agrees'], rows.map((r) => [
        r.class, String(r.feature), r.score === null ? '–' : scoreText(r.score), fmt(r.sd), String(r.images),
        r.suggestion ? (r.suggestion === 'spurious' ? 'spurious (background)' : 'core') : `none: ${r.why}`,
        r.label ? `${r.label} (${r.labelBy})` : 'unlabeled', r.agrees === null ? '' : r.agrees ? 'yes' : 'NO',
      ])));
      out.push(`${confident} of ${rows.length} pair(s) have a confident suggestion` +
        (agreement.compared ? `; ${agreement.agree} of ${agreement.compared} agree with the existing labels` : '') + `; wrote ${path}`);
      if (accepted) out.push(`accepted ${accepted.accepted} suggestion(s) as machine-made labels in ${store.path}` + (accepted.keptPersonLabels ? `; kept ${accepted.keptPersonLabels} label(s) a person gave` : ''));
      else if (confident) out.push('accept them with --accept-confident, or one by one in the Labeling view (Enter)');
      process.stdout.write(`${out.join('\n')}\n`);
    });
}
