// `npm run bench:sensitivity`: feature sensitivity (paper appendix B) on the demo benchmark.
// The demo's cue is a coloured, striped background and its object a digit, so the cue's (spurious) features should
// react more to graying or blurring their region than the digit's (core) features do, and the digit's features more
// to patch rotation. Labels come from the probe images, held in memory (annotation files are not touched).
// Writes a BENCHMARKS.md section between <!-- sensitivity:start --> / <!-- sensitivity:end -->.
// It also measures two variants (a blur twice as wide, patches twice as large) to show whether the ordering depends
// on those parameters, which the paper does not give.
import { measureSensitivity } from '../src/engine/analysis/sensitivity/analyze';
import { inProcessRunner } from '../src/engine/jobs/inProcess';
import { sensitivityScope } from '../src/engine/analysis/sensitivity/scope';
import { CORRUPTIONS, type FeatureSensitivity } from '../src/engine/sensitivity/types';
import { writeBenchmarksSection } from './lib/benchmarksSection';
import { DEMO_MODEL as MODEL, probeLabelledDemo } from './lib/probeLabelledDemo';

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '–');
const NAMES: Record<string, string> = { gray: 'gray (colour)', blur: 'blur (texture)', 'patch-rotate': 'rotate (shape)' };

/** Mean sensitivity and probability drop per corruption over some features. */
function summary(fs: FeatureSensitivity[]) {
  return CORRUPTIONS.map((_, c) => ({ sens: mean(fs.map((f) => f.outcomes[c].sensitivity)), drop: mean(fs.map((f) => f.outcomes[c].probabilityDrop)) }));
}

async function main(): Promise<void> {
  const { session: s, probes } = await probeLabelledDemo({ bootstrap: 0 });
  const scope = sensitivityScope(s);
  const t0 = performance.now();
  const r = await measureSensitivity(s, scope.pairs, inProcessRunner('sensitivity'));
  const secs = (performance.now() - t0) / 1000;
  const inferences = r.features.reduce((n, f) => n + f.imageCount * 4, 0);

  const lines: string[] = [];
  const out = (l = '') => { lines.push(l); console.log(l); };
  const p = r.params;
  out(`Demo benchmark, model ${MODEL.split('/').pop()}: probe labels ${probes.labeled} pairs, ${probes.spurious} spurious (cue) and ` +
    `${probes.labeled - probes.spurious} core (digit); head: ${s.headSource}. Each labelled top feature measured on its ${p.images} most-activating ` +
    `${p.split} images of the class (${p.inputSize} px input; blur sigma ${p.blurSigmaPx} px = side x ${p.blurSigmaFraction}; patches ` +
    `${p.patchPx} px = side x ${p.patchFraction}; seed ${p.seed}). ${r.features.length} pairs, ${inferences} inferences (clean + 3 corruptions) in ${secs.toFixed(1)} s.`);
  out('');
  out('Sensitivity = accuracy on the clean images minus accuracy with the feature\'s region corrupted (points); in brackets the mean drop of the true class\'s softmax probability (points), which still moves when accuracy saturates.');
  out('');
  out(`| class | features | clean acc | ${CORRUPTIONS.map((c) => NAMES[c]).join(' | ')} |`);
  out(`|---|---|---:|${CORRUPTIONS.map(() => '---:').join('|')}|`);
  const cue = r.features.filter((f) => f.label === 'spurious');
  const digit = r.features.filter((f) => f.label === 'core');
  for (const cls of s.datasetClassIds.map((c) => s.classNames[c])) {
    for (const [kind, fs] of [['cue', cue], ['digit', digit]] as const) {
      const mine = fs.filter((f) => f.cls === cls);
      if (!mine.length) continue;
      const m = summary(mine);
      out(`| ${cls} | ${kind} (${mine.map((f) => f.feature).join(', ')}) | ${f1(mean(mine.map((f) => f.cleanAccuracy)))} | ${m.map((x) => `${f1(x.sens)} (${f1(x.drop)})`).join(' | ')} |`);
    }
  }
  const mc = summary(cue);
  const md = summary(digit);
  out(`| **mean** | cue (${cue.length}) | ${f1(mean(cue.map((f) => f.cleanAccuracy)))} | ${mc.map((x) => `**${f1(x.sens)}** (${f1(x.drop)})`).join(' | ')} |`);
  out(`| **mean** | digit (${digit.length}) | ${f1(mean(digit.map((f) => f.cleanAccuracy)))} | ${md.map((x) => `**${f1(x.sens)}** (${f1(x.drop)})`).join(' | ')} |`);
  out('');
  out(`Mean mask (share of the image corrupted): cue ${f1(100 * mean(cue.map((f) => f.meanMask)))}%, digit ${f1(100 * mean(digit.map((f) => f.meanMask)))}%; ` +
    `${cue.filter((f) => f.maskSource === 'minus-core').length} of ${cue.length} cue masks had the class's core masks removed.`);
  const [g, b, rot] = [0, 1, 2];
  const colourOrTexture = mc[g].sens > md[g].sens || mc[b].sens > md[b].sens;
  const shape = md[rot].sens > mc[rot].sens;
  out(`Expected ordering (mean accuracy sensitivity): cue > digit under gray or blur — gray ${f1(mc[g].sens)} vs ${f1(md[g].sens)}, blur ${f1(mc[b].sens)} vs ${f1(md[b].sens)}: ` +
    `${colourOrTexture ? 'holds' : 'DOES NOT HOLD'}; digit > cue under rotation — ${f1(md[rot].sens)} vs ${f1(mc[rot].sens)}: ${shape ? 'holds' : 'DOES NOT HOLD'}.`);
  out(`The same in probability drops: gray ${f1(mc[g].drop)} vs ${f1(md[g].drop)}, blur ${f1(mc[b].drop)} vs ${f1(md[b].drop)}, rotation ${f1(md[rot].drop)} (digit) vs ${f1(mc[rot].drop)} (cue).`);


  out('');
  out('Variants (mean over the same pairs; sensitivity with the probability drop in brackets):');
  out('');
  out(`| variant | features | ${CORRUPTIONS.map((c) => NAMES[c]).join(' | ')} |`);
  out(`|---|---|${CORRUPTIONS.map(() => '---:').join('|')}|`);
  for (const v of [{ name: 'blur sigma side/16', blurSigmaFraction: 1 / 16 }, { name: 'patches side/4', patchFraction: 1 / 4 }]) {
    const rv = await measureSensitivity(s, scope.pairs, inProcessRunner('sensitivity'), v);
    for (const [kind, label] of [['cue', 'spurious'], ['digit', 'core']] as const) {
      const m = summary(rv.features.filter((f) => f.label === label));
      out(`| ${v.name} (${'blurSigmaFraction' in v ? `${rv.params.blurSigmaPx} px` : `${rv.params.patchPx} px`}) | ${kind} | ${m.map((x) => `${f1(x.sens)} (${f1(x.drop)})`).join(' | ')} |`);
    }
  }

  console.log(`\nwrote the section into ${writeBenchmarksSection('sensitivity', `Feature sensitivity on the demo benchmark (\`npm run bench:sensitivity\`)`, lines)}`);
}

main().catch((e) => { console.error(e instanceof Error ? e.stack : e); process.exit(1); });
