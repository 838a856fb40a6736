// `npm run bench:compare`: compares the demo models (models/demo/spurious-mnist*.onnx) on the demo benchmark, as
// `spuriosity compare` does, and writes the measured correlation, variance ratio, fit and effective robustness into
// BENCHMARKS.md between <!-- compare:start --> / <!-- compare:end -->. Labels come from the benchmark's probe images
// and are held in memory (the user's annotation files are not touched). Beside each model's gaps it reports the
// ground truth the benchmark knows: accuracy on validation images with the planted cue vs without it.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { correlationMatrix, fitThroughOrigin, gapVariance } from '../src/core/compare';
import { trueGap } from '../src/core/groundTruth';
import { MemoryLabelStore } from '../src/engine/analysis/labels';
import { annotateFromProbes } from '../src/engine/analysis/probeAnnotate';
import { compareModels } from '../src/engine/compare/compareModels';
import { discoverDataset } from '../src/engine/dataset/discover';
import { withoutSkippedUnder } from '../src/engine/dataset/withoutFolder';
import { generateDemoDataset } from '../scripts/demo/generate-dataset.mjs';
import { writeBenchmarksSection } from './lib/benchmarksSection';

const DATA = resolve('demo-data/spurious-mnist');
const MODELS = resolve('models/demo');
const f1 = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(1));
const f2 = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(2));

async function main(): Promise<void> {
  await generateDemoDataset({ out: DATA });
  const truth = JSON.parse(readFileSync(join(DATA, 'ground-truth.json'), 'utf8')) as { images: Record<string, { cue: boolean }> };
  // the bundled model first, then its variants (b, c, d)
  const models = readdirSync(MODELS).filter((f) => /^spurious-mnist.*\.onnx$/.test(f)).map((f) => f.replace(/\.onnx$/, '')).sort().map((f) => join(MODELS, `${f}.onnx`));
  const cacheDir = join(DATA, '.spuriosity');
  const dataset = withoutSkippedUnder(await discoverDataset(DATA), cacheDir);
  const truthBy = new Map<string, { withCue: number; without: number; byClass: Map<string, number> }>();
  const t0 = Date.now();
  const report = await compareModels({
    dataset, models, cacheDir,
    openLabels: async (m) => ({ store: new MemoryLabelStore(), path: `(in memory: probe labels for ${m.sha256.slice(0, 8)})` }),
    prepare: async (s, store, id) => {
      await annotateFromProbes(s, store, join(DATA, 'probes'), cacheDir);
      const cue = Uint8Array.from(s.entries, (e) => (truth.images[e.rel]?.cue ? 1 : 0));
      const all = s.datasetClassIds.flatMap((c) => Array.from(s.index.val[c]));
      const t = trueGap(s.correct, cue, all);
      const byClass = new Map(s.datasetClassIds.map((c) => [s.classNames[c], trueGap(s.correct, cue, s.index.val[c]).gap * 100] as const));
      truthBy.set(id, { withCue: t.accWith * 100, without: t.accWithout * 100, byClass });
    },
    onProgress: (p) => { if (p.phase !== 'extracting') console.error(`[${p.model}/${p.models}] ${p.id}: ${p.phase}`); },
  });
  const seconds = (Date.now() - t0) / 1000;

  const lines: string[] = [];
  const out = (l = '') => { lines.push(l); console.log(l); };
  out(`${report.models.length} models on the demo benchmark (${report.dataset.classes.length} classes, ${report.dataset.images.val} validation images, ` +
    `half with the planted cue); gap k = ${report.gapK}; labels from the probe images; wall time ${seconds.toFixed(1)} s (extraction, probe labelling, analysis).`);
  out('');
  out('| model | val acc | spurious pairs | acc high | acc low | mean gap | fit low | effective robustness | acc with cue | acc without cue | true gap |');
  out('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const m of report.models) {
    const t = truthBy.get(m.id)!;
    out(`| ${m.id}${m.included ? '' : ' (left out)'} | ${f1(m.valAccuracy)} | ${m.spuriousPairs} | ${f1(m.accHigh)} | ${f1(m.accLow)} | ${f1(m.meanGap)} | ` +
      `${f1(m.predictedAccLow)} | ${m.effectiveRobustness === null ? '–' : `${m.effectiveRobustness > 0 ? '+' : ''}${m.effectiveRobustness.toFixed(1)}`} | ` +
      `${f1(t.withCue)} | ${f1(t.without)} | ${f1(t.withCue - t.without)} |`);
  }
  out('');
  out(`| class | ${report.models.map((m) => m.id).join(' | ')} |`);
  out(`|---|${report.models.map(() => '---:').join('|')}|`);
  for (const row of report.gapTable) out(`| ${row.class} | ${row.gaps.map(f1).join(' | ')} |`);
  out('');
  const c = report.correlation;
  if (c) {
    out(`Pearson r of class-wise gaps (k = ${report.gapK}): ${c.pairs.map((p) => `${p.a} / ${p.b} ${f2(p.r)}`).join('; ')}. ` +
      `**Mean pairwise r = ${f2(c.meanPairwise)}** (paper, 89 ImageNet models: 0.69).`);
    const inc = report.models.filter((m) => m.included);
    const trueSeries = inc.map((m) => report.dataset.classes.map((cl) => truthBy.get(m.id)!.byClass.get(cl) ?? NaN));
    const tc = correlationMatrix(trueSeries);
    out(`For reference, the same correlation of the true class-wise gaps (25 images with the cue vs 25 without, per class): mean pairwise r = ${f2(tc.meanPairwise)}.`);
  }
  if (report.variance) {
    const v = report.variance;
    out(`Variance of gaps over ${v.classes.length} classes: across classes ${v.acrossClasses.toFixed(1)} points², across models ${v.acrossModels.toFixed(1)} points²: ` +
      `**ratio ${f2(v.ratio)}** (paper: 3.1).`);
  }
  if (report.fit) {
    const f = report.fit;
    out(`Fit across models: **acc_low = ${f.beta.toFixed(4)} × acc_high** (through the origin, R² ${f2(f.r2)})` +
      (f.ols ? `; with an intercept, acc_low = ${f.ols.slope.toFixed(3)} × acc_high ${f.ols.intercept < 0 ? '−' : '+'} ${Math.abs(f.ols.intercept).toFixed(1)} (R² ${f2(f.ols.r2)})` : '') +
      '. Effective robustness = acc low − the through-origin prediction.');
  }
  for (const n of report.notes) out(`- ${n}`);
  // How much one model drives the statistics: each recomputed with that model left out (from the rounded gaps).
  const inc = report.models.map((m, i) => i).filter((i) => report.models[i].included);
  if (inc.length >= 3) {
    out('');
    out('| left out | mean pairwise r | variance across classes | across models | ratio | beta |');
    out('|---|---:|---:|---:|---:|---:|');
    for (const drop of inc) {
      const keep = inc.filter((i) => i !== drop);
      const series = keep.map((i) => report.gapTable.map((row) => row.gaps[i] ?? NaN));
      const v = gapVariance(series);
      const beta = fitThroughOrigin(keep.map((i) => report.models[i].accHigh!), keep.map((i) => report.models[i].accLow!)).beta;
      out(`| ${report.models[drop].id} | ${f2(correlationMatrix(series).meanPairwise)} | ${f1(v.acrossClasses)} | ${f1(v.acrossModels)} | ${f2(v.ratio)} | ${beta.toFixed(4)} |`);
    }
  }

  console.log(`\nwrote the section into ${writeBenchmarksSection('compare', `Comparing models on the demo benchmark (\`npm run bench:compare\`)`, lines)}`);
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
