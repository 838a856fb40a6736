import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headLogits, mulberry32, shuffleInPlace, softmaxCrossEntropy, type LinearHead, type Matrix } from '../../src/core/index';
import { OrtHeadTrainer, trainEpochOrt } from '../../src/engine/train/ortHeadTrainer';

function problem(n: number, d: number, c: number, seed: number): { features: Matrix; labels: Int32Array; head: LinearHead } {
  const rng = mulberry32(seed);
  const g = () => 2 * rng.next() - 1;
  const features: Matrix = { rows: n, cols: d, data: Float32Array.from({ length: n * d }, g) };
  const labels = Int32Array.from({ length: n }, () => Math.floor(rng.next() * c));
  const head: LinearHead = { classes: c, dim: d, weight: Float32Array.from({ length: c * d }, () => 0.3 * g()), bias: Float32Array.from({ length: c }, () => 0.1 * g()) };
  return { features, labels, head };
}

const copyHead = (h: LinearHead): LinearHead => ({ ...h, weight: Float32Array.from(h.weight), bias: Float32Array.from(h.bias) });

/** The plain-JavaScript step of src/core/mitigate.ts, one step at a time, recording the head after each. */
function jsEpoch(p: ReturnType<typeof problem>, head: LinearHead, order: Int32Array, s: { lr: number; batch: number; momentum: number }, v: { W: Float32Array; B: Float32Array }, l2: number, after: (h: LinearHead) => void): number {
  let lossSum = 0;
  let steps = 0;
  for (let i = 0; i < order.length; i += s.batch) {
    const g = softmaxCrossEntropy(p.features, p.labels, head, order.subarray(i, Math.min(order.length, i + s.batch)), l2);
    lossSum += g.loss;
    steps++;
    for (let k = 0; k < v.W.length; k++) { v.W[k] = s.momentum * v.W[k] + g.gradW[k]; head.weight[k] -= s.lr * v.W[k]; }
    for (let k = 0; k < v.B.length; k++) { v.B[k] = s.momentum * v.B[k] + g.gradB[k]; head.bias[k] -= s.lr * v.B[k]; }
    after(head);
  }
  return lossSum / steps;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

for (const [l2, stepsPerRun] of [[0, 4], [0.01, 4], [0, 1], [0.01, 3]]) {
  test(`ORT epochs equal the JS reference (l2 ${l2}, ${stepsPerRun} steps per run, partial last batch, lr change)`, async () => {
    const p = problem(45, 13, 7, 3);
    const schedule = { lr: 0.2, batch: 8, momentum: 0.9 };
    const js = copyHead(p.head);
    const ort = copyHead(p.head);
    const v = { W: new Float32Array(7 * 13), B: new Float32Array(7) };
    const trainer = OrtHeadTrainer.create(ort, { threads: 1, l2, stepsPerRun });
    const rng = mulberry32(5);
    const order = Int32Array.from({ length: 45 }, (_, i) => i);
    try {
      for (let epoch = 0; epoch < 3; epoch++) {
        shuffleInPlace(rng, order);
        // The third epoch changes lr: the momentum must carry over unchanged in PyTorch's form.
        if (epoch === 2) schedule.lr = 0.05;
        const jsLoss = jsEpoch(p, js, order, schedule, v, l2, () => {});
        const ortLoss = await trainEpochOrt(p.features, p.labels, ort, order, schedule, trainer);
        assert.ok(Math.abs(jsLoss - ortLoss) < 1e-4, `epoch ${epoch} loss: js ${jsLoss} vs ort ${ortLoss}`);
        assert.ok(maxDiff(js.weight, ort.weight) < 1e-4, `epoch ${epoch} weights differ by ${maxDiff(js.weight, ort.weight)}`);
        assert.ok(maxDiff(js.bias, ort.bias) < 1e-4, `epoch ${epoch} bias differs by ${maxDiff(js.bias, ort.bias)}`);
        const mo = trainer.momentum();
        assert.ok(maxDiff(v.W, mo.vW) < 1e-4 && maxDiff(v.B, mo.vB) < 1e-4, `epoch ${epoch} momentum differs by ${maxDiff(v.W, mo.vW)}`);
      }
      assert.ok(maxDiff(js.weight, p.head.weight) > 1e-2, 'the head moved');
    } finally {
      await trainer.release();
    }
  });
}

test('ORT steps match the JS steps one at a time (one batch per call, momentum carried by the trainer)', async () => {
  const p = problem(30, 9, 5, 11);
  const schedule = { lr: 0.5, batch: 6, momentum: 0.9 };
  const js = copyHead(p.head);
  const ort = copyHead(p.head);
  const v = { W: new Float32Array(5 * 9), B: new Float32Array(5) };
  const trainer = OrtHeadTrainer.create(ort, { threads: 1, stepsPerRun: 2 });
  const order = Int32Array.from({ length: 30 }, (_, i) => (i * 7) % 30);
  const snapshots: Float32Array[] = [];
  jsEpoch(p, js, order, schedule, v, 0, (h) => snapshots.push(Float32Array.from(h.weight)));
  try {
    // An epoch of one batch each: the trainer's momentum carries over, so this walks the same steps.
    for (let k = 0; k < 5; k++) {
      await trainEpochOrt(p.features, p.labels, ort, order.subarray(k * 6, k * 6 + 6), schedule, trainer);
      assert.ok(maxDiff(snapshots[k], ort.weight) < 1e-4, `step ${k} weights differ by ${maxDiff(snapshots[k], ort.weight)}`);
    }
  } finally {
    await trainer.release();
  }
});

test('forward graph: logits and argmax equal core headLogits', async () => {
  const p = problem(23, 11, 6, 2);
  const trainer = OrtHeadTrainer.create(p.head, { threads: 1 });
  try {
    const ref = headLogits(p.features, p.head).data;
    const logits = await trainer.logits(p.features, p.head, 5);
    assert.ok(maxDiff(ref, logits) < 1e-5);
    const pred = await trainer.predict(p.features, p.head, 7);
    for (let r = 0; r < 23; r++) {
      const row = Array.from(ref.subarray(r * 6, r * 6 + 6));
      assert.equal(pred[r], row.indexOf(Math.max(...row)), `row ${r}`);
    }
  } finally {
    await trainer.release();
  }
});

test('bad labels, rows and shapes are reported, not crashed on', async () => {
  const p = problem(10, 4, 3, 1);
  const trainer = OrtHeadTrainer.create(p.head, { threads: 1 });
  const order = Int32Array.from({ length: 10 }, (_, i) => i);
  try {
    const labels = p.labels.slice();
    labels[4] = 3;
    await assert.rejects(trainEpochOrt(p.features, labels, copyHead(p.head), order, { lr: 0.1, batch: 4, momentum: 0.9 }, trainer), /image 4 has label 3; valid labels are 0..2/);
    await assert.rejects(trainEpochOrt(p.features, p.labels, copyHead(p.head), Int32Array.of(0, 10), { lr: 0.1, batch: 4, momentum: 0.9 }, trainer), /row 10/);
    const other = { classes: 2, dim: 4, weight: new Float32Array(8), bias: new Float32Array(2) };
    await assert.rejects(trainEpochOrt(p.features, p.labels, other, order, { lr: 0.1, batch: 4, momentum: 0.9 }, trainer), /made for 3 x 4/);
    assert.throws(() => OrtHeadTrainer.create({ classes: 0, dim: 4 }, { threads: 1 }), /positive integers/);
  } finally {
    await trainer.release();
  }
});
