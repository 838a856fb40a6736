// Re-ranking cost after one label change, at ImageNet scale by default (100k images x 2048 features, 1000 classes).
// Prints figures; asserts nothing. Run: npx tsx bench/rerank.ts [images] [dim] [classes]
import { performance } from 'node:perf_hooks';
import { buildClassIndex, computeSpuriosity, mulberry32, randInt, rerankClass, spuriousGap, type Matrix } from '../src/core/index';

/** Figures of one re-ranking benchmark run, in milliseconds. */
export interface RerankFigures {
  images: number;
  dim: number;
  classes: number;
  rankedClasses: number;
  initialMs: number;
  rerankMedianMs: number;
  rerankMaxMs: number;
  gapMs: number;
  gapBootstrapMs: number;
}

/** Builds random features and labels, ranks every class, then times single-class re-ranks after one label flip each. */
export function runRerankBench(images = 100_000, dim = 2048, classes = 1000, trials = 50): RerankFigures {
  const rng = mulberry32(1);
  const data = new Float32Array(images * dim);
  // A cheap LCG fill: 200M values through the PRNG object would dominate the run.
  let s = 12345;
  for (let i = 0; i < data.length; i++) { s = (Math.imul(s, 1664525) + 1013904223) | 0; data[i] = (s >>> 8) / 16777216; }
  const features: Matrix = { rows: images, cols: dim, data };
  const labels = Int32Array.from({ length: images }, (_, i) => i % classes);
  const split = Uint8Array.from({ length: images }, (_, i) => (Math.floor(i / classes) % 5 === 4 ? 1 : 0));
  const index = buildClassIndex(labels, split, classes);
  // About 36% of classes carry 1-3 spurious features, as in Salient ImageNet (357 of 1000).
  const spurious = Array.from({ length: classes }, () => (rng.next() < 0.357 ? Array.from({ length: 1 + randInt(rng, 3) }, () => randInt(rng, dim)) : []));
  let t = performance.now();
  const state = computeSpuriosity(features, index, spurious);
  const initialMs = performance.now() - t;
  const times: number[] = [];
  for (let k = 0; k < trials; k++) {
    const c = randInt(rng, classes);
    const feats = state.spurious[c].slice();
    const f = randInt(rng, dim);
    // One label change: toggle feature f spurious for class c.
    const next = feats.includes(f) ? feats.filter((x) => x !== f) : [...feats, f];
    t = performance.now();
    rerankClass(state, c, next);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const correct = Uint8Array.from({ length: images }, () => (rng.next() < 0.75 ? 1 : 0));
  t = performance.now();
  spuriousGap(state.rankings, correct, { bootstrap: 0 });
  const gapMs = performance.now() - t;
  t = performance.now();
  spuriousGap(state.rankings, correct, { bootstrap: 1000, seed: 1 });
  const gapBootstrapMs = performance.now() - t;
  return {
    images, dim, classes, rankedClasses: state.rankings.filter(Boolean).length, initialMs,
    rerankMedianMs: times[Math.floor(times.length / 2)], rerankMaxMs: times[times.length - 1], gapMs, gapBootstrapMs,
  };
}

if (process.argv[1]?.endsWith('rerank.ts')) {
  const [images, dim, classes] = process.argv.slice(2).map(Number);
  const r = runRerankBench(images || undefined, dim || undefined, classes || undefined);
  const f = (v: number): string => v.toFixed(2);
  console.log(`${r.images} images x ${r.dim} features, ${r.classes} classes (${r.rankedClasses} ranked)`);
  console.log(`initial ranking of every class: ${f(r.initialMs)} ms`);
  console.log(`re-rank one class after a label change: median ${f(r.rerankMedianMs)} ms, max ${f(r.rerankMaxMs)} ms`);
  console.log(`mean gap over ranked classes: ${f(r.gapMs)} ms; with 1000 bootstrap resamples: ${f(r.gapBootstrapMs)} ms`);
}
