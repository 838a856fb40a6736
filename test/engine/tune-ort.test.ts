import { test } from 'node:test';
import { GAP_STOP_Z } from '../../src/core/headTune';
import assert from 'node:assert/strict';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { tuneHead, type TuneOptions } from '../../src/engine/analysis/tune';
import { inProcessRunner } from '../../src/engine/jobs/inProcess';
import { childRunner } from '../../src/engine/jobs/runInChild';
import type { OrtTuneRunner } from '../../src/engine/train/tuneProblem';
import type { Dataset, ImageEntry } from '../../src/engine/dataset/types';
import type { ExtractResult } from '../../src/engine/extract/types';
import type { ModelInfo } from '../../src/engine/model/types';
import { mulberry32 } from '../../src/core/random';
import { argmaxRows } from '../../src/core/linalg';

const ortInProcess = inProcessRunner('tune');

// Three classes, D = 4: features 0-2 are the objects, feature 3 a background cue in most training images of
// class a and half of its validation images; the head leans on the cue, so a planted spurious gap.
async function session(): Promise<AnalysisSession> {
  const r = mulberry32(11);
  const rng = () => r.next();
  const entries: ImageEntry[] = [];
  const rows: number[][] = [];
  const names = ['a', 'b', 'c'];
  names.forEach((label, c) => {
    const add = (split: 'train' | 'val', i: number, cue: boolean) => {
      const f = [0, 1, 2].map((k) => (k === c ? 0.6 + 0.4 * rng() : 0.1 * rng()));
      rows.push([...f, cue ? 1 + rng() : 0.1 * rng()]);
      entries.push({ path: `/d/${split}/${label}/${i}.png`, rel: `${split}/${label}/${i}.png`, label, split, size: 1, mtimeMs: 1 });
    };
    for (let i = 0; i < 60; i++) add('train', i, c === 0 && i < 54);
    for (let i = 0; i < 30; i++) add('val', i, c === 0 && i < 15);
  });
  const D = 4;
  const features = Float32Array.from(rows.flat());
  const headWeight = Float32Array.from([0.5, 0, 0, 1.0, 0, 1.0, 0, 0, 0, 0, 1.0, 0]);
  const headBias = Float32Array.from([0, 0.6, 0.6]);
  const logits = new Float32Array(rows.length * 3);
  rows.forEach((x, i) => {
    for (let c = 0; c < 3; c++) {
      let v = headBias[c];
      for (let d = 0; d < D; d++) v += headWeight[c * D + d] * x[d];
      logits[3 * i + c] = v;
    }
  });
  const model: ModelInfo = {
    path: '/m/model.onnx', sha256: 'cd'.repeat(32), inputName: 'input', pooledOutput: 'p', logitsOutput: 'l', spatialOutput: null,
    dim: D, classes: 3, spatialShape: null, headWeight, headBias,
    card: { preprocess: { resize: 8, crop: 8, mean: [0, 0, 0], std: [1, 1, 1] } }, labels: names,
  };
  const dataset: Dataset = { root: '/d', layout: 'imagefolder-splits', validationSource: 'val', classes: names, images: entries, skipped: [] };
  const predicted = argmaxRows({ rows: entries.length, cols: 3, data: logits });
  const extraction: ExtractResult = { model, entries, features, logits, predicted, failures: [], skipped: [], cacheHits: 0, computed: entries.length, seconds: 0 };
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, gapK: 5 });
  await s.setLabel('a', 3, { label: 'spurious' });
  return s;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function both(opts: TuneOptions) {
  const s = await session();
  const js = await tuneHead(s, 'low-spuriosity', { ...opts, trainer: 'js' });
  const epochsSeen: number[] = [];
  const ort = await tuneHead(s, 'low-spuriosity', { ...opts, trainer: 'ort', ortRunner: ortInProcess, onEpoch: (r, sch) => { epochsSeen.push(r.epoch); opts.onEpoch?.(r, sch); } });
  return { s, js, ort, epochsSeen };
}

function assertSameRun(js: Awaited<ReturnType<typeof tuneHead>>, ort: Awaited<ReturnType<typeof tuneHead>>): void {
  assert.equal(ort.tuningImages, js.tuningImages);
  assert.deepEqual(ort.result.schedule, js.result.schedule);
  assert.equal(ort.result.stoppedBecause, js.result.stoppedBecause);
  assert.equal(ort.result.history.length, js.result.history.length);
  js.result.history.forEach((h, i) => {
    const o = ort.result.history[i];
    assert.equal(o.epoch, h.epoch);
    assert.ok(Math.abs(o.meanGap - h.meanGap) < 1e-9 && Math.abs(o.valAccuracy - h.valAccuracy) < 1e-9, `epoch ${h.epoch}: gap ${h.meanGap} / ${o.meanGap}, acc ${h.valAccuracy} / ${o.valAccuracy}`);
    assert.ok(Number.isNaN(h.trainLoss) ? Number.isNaN(o.trainLoss) : Math.abs(o.trainLoss - h.trainLoss) < 1e-4, `epoch ${h.epoch} loss ${h.trainLoss} / ${o.trainLoss}`);
  });
  assert.ok(maxDiff(ort.head.weight, js.head.weight) < 1e-4, `weights differ by ${maxDiff(ort.head.weight, js.head.weight)}`);
  assert.ok(maxDiff(ort.head.bias, js.head.bias) < 1e-4);
}

test('tuning: the ONNX Runtime trainer walks the same epochs as the JavaScript one and stops at the same gap check', async () => {
  const { s, js, ort, epochsSeen } = await both({ preset: 'scaled', k: 20, batch: 8 });
  assert.ok(js.result.before.meanGap > 0.05, `a planted gap (${js.result.before.meanGap})`);
  assert.equal(js.result.stoppedBecause, 'below-threshold');
  assert.ok(js.result.after.epoch > 1, 'more than one epoch');
  assertSameRun(js, ort);
  assert.deepEqual(epochsSeen, js.result.history.map((h) => h.epoch), 'one progress report per epoch');
  s.useHead(ort.head);
  assert.ok(Math.abs(s.gaps.mean - ort.result.after.meanGap) < 1e-9, 'the session agrees with the reported gap');
});

test('tuning: with an unreachable threshold both trainers run every epoch of the schedule', async () => {
  const { js, ort } = await both({ preset: 'scaled', k: 20, batch: 16, maxEpochs: 6, threshold: -1 });
  assert.equal(js.result.stoppedBecause, 'max-epochs');
  assert.equal(js.result.history.length, 7);
  assertSameRun(js, ort);
});

test('tuning: cancelling after an epoch stops both trainers at the same point', async () => {
  const c1 = new AbortController();
  const s = await session();
  const js = await tuneHead(s, 'low-spuriosity', { preset: 'scaled', k: 20, batch: 8, threshold: -1, trainer: 'js', signal: c1.signal, onEpoch: (r) => { if (r.epoch === 2) c1.abort(); } });
  const c2 = new AbortController();
  const ort = await tuneHead(s, 'low-spuriosity', { preset: 'scaled', k: 20, batch: 8, threshold: -1, trainer: 'ort', ortRunner: ortInProcess, signal: c2.signal, onEpoch: (r) => { if (r.epoch === 2) c2.abort(); } });
  assert.equal(js.result.stoppedBecause, 'aborted');
  assertSameRun(js, ort);
});

test('tuning: trainer auto keeps small tuning sets in JavaScript and hands large ones to the runner', async () => {
  const s = await session();
  let calls = 0;
  const counting: OrtTuneRunner = (req, h) => { calls++; return ortInProcess(req, h); };
  await tuneHead(s, 'low-spuriosity', { k: 20, ortRunner: counting });
  assert.equal(calls, 0, 'the demo-sized problem stays in JavaScript');
  await tuneHead(s, 'low-spuriosity', { k: 20, ortRunner: counting, trainer: 'ort' });
  assert.equal(calls, 1);
  await assert.rejects(tuneHead(s, 'low-spuriosity', { trainer: 'ort' }), /needs an ortRunner/);
});

test('tuning: the child-process runner (the extension\'s path) returns what the in-process ONNX Runtime run does, epoch by epoch', async () => {
    const { join } = await import('node:path');
  const workerPath = join(__dirname, '..', '..', 'src', 'engine', 'jobs', 'worker.ts');
  const s = await session();
  const local = await tuneHead(s, 'low-spuriosity', { preset: 'scaled', k: 20, batch: 8, trainer: 'ort', ortRunner: ortInProcess });
  const epochs: number[] = [];
  const child = await tuneHead(s, 'low-spuriosity', { preset: 'scaled', k: 20, batch: 8, trainer: 'ort', ortRunner: childRunner('tune', { workerPath }), onEpoch: (r) => epochs.push(r.epoch) });
  assert.deepEqual(epochs, local.result.history.map((h) => h.epoch));
  assert.deepEqual(child.result.history, local.result.history);
  assert.deepEqual(child.head.weight, local.head.weight);
  assert.equal(child.result.stoppedBecause, local.result.stoppedBecause);
});

test('L-BFGS tuning: ONNX Runtime\'s loss-gradient graph drives the same iterations as JavaScript, to the same head', async () => {
  // Run the path to its end (threshold unreachable, no accuracy guard) at a pull that keeps the optimum well
  // conditioned: strictly convex, so both reach the one optimum; and with the default threshold both stop at the same
  // round check.
  const full = await both({ k: 20, threshold: -1, maxAccuracyDrop: 1, l2Pull: 1e-2 });
  assert.equal(full.js.result.schedule.optimizer, 'lbfgs');
  assert.equal(full.js.result.stoppedBecause, 'converged');
  assert.equal(full.ort.result.stoppedBecause, 'converged');
  assert.ok(maxDiff(full.ort.head.weight, full.js.head.weight) < 2e-3, `weights differ by ${maxDiff(full.ort.head.weight, full.js.head.weight)}`);
  assert.ok(maxDiff(full.ort.head.bias, full.js.head.bias) < 2e-3);
  // a threshold the path crosses at its second round at the latest (the stop asks for the gap's upper bound)
  const h2 = full.js.result.history[2];
  const early = await both({ k: 20, maxAccuracyDrop: 1, l2Pull: 1e-2, threshold: h2.meanGap + GAP_STOP_Z * (h2.meanGapSe ?? 0) + 1e-9 });
  assert.equal(early.js.result.stoppedBecause, 'below-threshold');
  assertSameRun(early.js, early.ort);
  assert.deepEqual(early.epochsSeen, early.js.result.history.map((h) => h.epoch));
});

test('L-BFGS tuning: the child-process runner (the extension\'s path) returns what the in-process run does, round by round', async () => {
    const { join } = await import('node:path');
  const workerPath = join(__dirname, '..', '..', 'src', 'engine', 'jobs', 'worker.ts');
  const s = await session();
  const opts: TuneOptions = { k: 20, l2Pull: 1e-3, pullStart: 0.01, threshold: -1, trainer: 'ort' };
  const local = await tuneHead(s, 'low-spuriosity', { ...opts, ortRunner: ortInProcess });
  const child = await tuneHead(s, 'low-spuriosity', { ...opts, ortRunner: childRunner('tune', { workerPath }) });
  assert.deepEqual(child.result.history, local.result.history);
  assert.deepEqual(child.head.weight, local.head.weight);
  assert.deepEqual(child.result.schedule, local.result.schedule);
  assert.equal(child.result.stoppedBecause, local.result.stoppedBecause);
});

test('tuning: the CLI\'s options and the extension\'s (k, threshold, signal, default preset) give the same tuned head, in JavaScript and through ONNX Runtime', async () => {
  // The CLI runs ONNX Runtime in its own process (ortInProcess), the extension in the child (childRunner('tune')); small
  // problems stay in JavaScript for both. The extension passes only k, the threshold and a signal (the panel has no
  // optimiser settings), so both must land on DEFAULT_PRESET with the same knobs.
  const { cliTuneOptions } = await import('../../src/cli/commands/tune');
    const { join } = await import('node:path');
  const workerPath = join(__dirname, '..', '..', 'src', 'engine', 'jobs', 'worker.ts');
  const childTune: OrtTuneRunner = childRunner('tune', { workerPath });
  const s = await session();
  const cliOpts = cliTuneOptions({ tuneK: 20, threshold: 5 });
  const extOpts: TuneOptions = { k: 20, threshold: 0.05, signal: new AbortController().signal };
  for (const trainer of ['js', 'ort'] as const) {
    const cli = await tuneHead(s, 'low-spuriosity', { ...cliOpts, trainer, ortRunner: ortInProcess });
    const ext = await tuneHead(s, 'low-spuriosity', { ...extOpts, trainer, ortRunner: childTune });
    assert.equal(cli.result.schedule.optimizer, 'lbfgs');
    assert.deepEqual(ext.result.schedule, cli.result.schedule);
    assert.deepEqual(ext.result.history, cli.result.history, trainer);
    assert.deepEqual(ext.head.weight, cli.head.weight, trainer);
    assert.deepEqual(ext.head.bias, cli.head.bias, trainer);
    assert.equal(ext.result.stoppedBecause, cli.result.stoppedBecause);
  }
});
