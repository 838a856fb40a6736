// A tuning problem's rows kept as float16 bits read back as the values written; a value float16 cannot hold exactly
// widens the rows to float32 (none is rounded); statistics and ONNX Runtime gathers see the same numbers either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tuningStats } from '../../src/core/headTune';
import { resolveSchedule } from '../../src/core/mitigate';
import { float16Table, toFloat16Bits } from '../../src/engine/cache/float16';
import { isHalfRows, toFloat32Rows, tuneRowsReader, TuneRowsBuilder } from '../../src/engine/train/tuneRows';
import { OrtHeadTrainer } from '../../src/engine/train/ortHeadTrainer';
import { mulberry32 } from '../../src/core/random';

const half = (v: number) => float16Table()[toFloat16Bits(v)];

function rows(n: number, D: number, value: (i: number) => number): Float32Array {
  return Float32Array.from({ length: n * D }, (_, i) => value(i));
}

test('float16-exact rows stay float16 (half the bytes) and read back exactly; stats and schedule equal the Matrix\'s', () => {
  const r = mulberry32(3);
  const n = 40, D = 7;
  const data = rows(n, D, () => half(4 * r.next() - 2));
  const b = new TuneRowsBuilder(n, D);
  for (let i = 0; i < n; i++) b.setRow(i, data, i * D);
  assert.equal(b.isHalf, true);
  const kept = b.done();
  assert.ok(isHalfRows(kept));
  assert.equal(kept.half.byteLength, n * D * 2);
  assert.deepEqual(toFloat32Rows(kept).data, data);
  const out = new Float32Array(D + 3);
  tuneRowsReader(kept).copyRow(5, out, 3);
  assert.deepEqual(out.subarray(3), data.subarray(5 * D, 6 * D));
  const m = { rows: n, cols: D, data };
  const all = Int32Array.from({ length: n }, (_, i) => i);
  assert.deepEqual(tuningStats(tuneRowsReader(kept), all), tuningStats(m, all));
  assert.deepEqual(resolveSchedule(tuneRowsReader(kept), all.subarray(3, 30), { preset: 'scaled' }), resolveSchedule(m, all.subarray(3, 30), { preset: 'scaled' }));
});

test('a value float16 cannot hold widens the rows to float32, earlier rows included, nothing rounded', () => {
  const n = 4, D = 3;
  const data = Float32Array.from([0.5, -1, 2, 0.25, 8, 1e-3, 1.5, 70000, 3, -0.75, 0, 1]);
  const b = new TuneRowsBuilder(n, D);
  for (let i = 0; i < n; i++) b.setRow(i, data, i * D);
  assert.equal(b.isHalf, false);
  const kept = b.done();
  assert.equal(isHalfRows(kept), false);
  assert.deepEqual(toFloat32Rows(kept).data, data);
});

test('ONNX Runtime loss-gradient and predictions over float16 rows equal those over the same values as float32', async () => {
  const r = mulberry32(9);
  const n = 300, D = 16, C = 5;
  const data = rows(n, D, () => half(r.next() * 2 - 1));
  const b = new TuneRowsBuilder(n, D);
  for (let i = 0; i < n; i++) b.setRow(i, data, i * D);
  const kept = b.done();
  assert.ok(isHalfRows(kept));
  const labels = Int32Array.from({ length: n }, (_, i) => i % C);
  const head = { classes: C, dim: D, weight: Float32Array.from({ length: C * D }, () => r.next() - 0.5), bias: new Float32Array(C) };
  const pick = Int32Array.from({ length: 200 }, (_, i) => (i * 7) % n);
  const trainer = OrtHeadTrainer.create(head, { threads: 1 });
  try {
    const m = { rows: n, cols: D, data };
    assert.deepEqual(await trainer.lossGrad(kept, labels, pick, head, 64), await trainer.lossGrad(m, labels, pick, head, 64));
    assert.deepEqual(await trainer.predictRows(kept, pick, head, 64), await trainer.predictRows(m, pick, head, 64));
  } finally {
    await trainer.release();
  }
});
