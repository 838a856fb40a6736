// The int8 quantizer on small graphs built in code: each quantized graph, calibrated on seeded inputs, runs in ONNX
// Runtime with integer kernels (checked in the optimized graph) and stays within a stated tolerance of float32 on
// other seeded inputs. Tolerance: max |int8 - float32| <= 4% of the float32 output's largest magnitude, and the
// mean error <= 1%: 7-bit weights (the AVX2 width, the coarser of the two) carry ~0.8% relative error each and
// uint8 activations 0.4% of their range; over a dot product of 27-72 terms these stay below 1-2% typically.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { onnx } from 'onnx-proto';
import { PRECISIONS } from '../../src/engine/extract/precision';
import { optimizedGraph, RawSession } from '../../src/engine/native/ort';
import { calibrationModel, planQdq, rewriteQdq } from '../../src/engine/model/quantize/qdqGraph';
import { RangeCollector } from '../../src/engine/model/quantize/calibrate';
import { opTypes, probeQdqModel } from '../../src/engine/extract/ortQdqCheck';
import { quantizePerChannel, activationParams, quantizeBias } from '../../src/engine/model/quantize/weights';
import { int8PathFromCpuinfo, decideInt8 } from '../../src/engine/model/quantize/int8Support';
import { adaptOnnx } from '../../src/engine/model/onnxGraph';
import { attr, buildModel, convGemmModel, node, seeded, tensor, value } from '../helpers/onnxBuilder';

const MAX_TOL = 0.04;
const MEAN_TOL = 0.01;

async function runGraph(bytes: Uint8Array, input: Float32Array, dims: number[], outputs: string[]): Promise<Record<string, Float32Array>> {
  const s = await RawSession.create(bytes, { threads: 1, label: 'test graph' });
  try {
    const out = await s.run({ x: { data: input, dims } }, outputs);
    return Object.fromEntries(outputs.map((o) => [o, out[o].data as Float32Array]));
  } finally {
    await s.release();
  }
}

/** Calibrates `bytes` on 16 seeded inputs, quantizes, and compares output y on 2 other inputs (mostly inside the calibrated ranges). */
async function quantizeAndCompare(bytes: Uint8Array, dims: number[], qmax = 63): Promise<{ maxErr: number; meanErr: number; ops: Set<string>; quantized: Uint8Array }> {
  const model = onnx.ModelProto.decode(bytes);
  const plan = planQdq(model);
  const cal = calibrationModel(model, plan);
  const n = dims.reduce((a, b) => a * b, 1);
  const ranges = new RangeCollector();
  for (let k = 0; k < 16; k++) {
    const out = await runGraph(cal, seeded(n, 100 + k), dims, plan.activations);
    for (const t of plan.activations) ranges.add(t, out[t]);
  }
  const quantized = rewriteQdq(model, plan, ranges.result(), { weightQmax: qmax });
  let maxErr = 0, sumErr = 0, count = 0;
  for (let k = 0; k < 2; k++) {
    const x = seeded(n, 200 + k);
    const f = (await runGraph(bytes, x, dims, ['y'])).y;
    const q = (await runGraph(quantized, x, dims, ['y'])).y;
    let scale = 0;
    for (const v of f) scale = Math.max(scale, Math.abs(v));
    for (let i = 0; i < f.length; i++) {
      const e = Math.abs(q[i] - f[i]) / scale;
      maxErr = Math.max(maxErr, e);
      sumErr += e;
      count++;
    }
  }
  return { maxErr, meanErr: sumErr / count, ops: opTypes(await optimizedGraph(quantized)), quantized };
}

const conv = (x: string, w: string, b: string | null, y: string, k: number, extra: onnx.IAttributeProto[] = []) =>
  node('Conv', b ? [x, w, b] : [x, w], [y], [attr.ints('kernel_shape', [k, k]), attr.ints('pads', k === 3 ? [1, 1, 1, 1] : [0, 0, 0, 0]), ...extra]);

test('quantizer: Conv + Relu becomes QLinearConv and matches float32 within 4% (max) / 1% (mean)', async () => {
  const bytes = buildModel({
    inputs: [value('x', [2, 3, 8, 8])], outputs: [value('y', [2, 4, 8, 8])],
    initializers: [tensor('W1', [8, 3, 3, 3], seeded(216, 1)), tensor('B1', [8], seeded(8, 2)), tensor('W2', [4, 8, 1, 1], seeded(32, 3))],
    nodes: [conv('x', 'W1', 'B1', 'c', 3), node('Relu', ['c'], ['r']), conv('r', 'W2', null, 'y', 1)],
  });
  const r = await quantizeAndCompare(bytes, [2, 3, 8, 8]);
  assert.ok(r.ops.has('QLinearConv'), `ORT fused nothing: ${[...r.ops].join(', ')}`);
  assert.ok(!r.ops.has('Relu'), 'the Relu before a zero-point-0 QuantizeLinear is dropped');
  assert.ok(r.maxErr <= MAX_TOL && r.meanErr <= MEAN_TOL, `max ${r.maxErr.toFixed(4)}, mean ${r.meanErr.toFixed(4)}`);
});

test('quantizer: Gemm (transB=1, bias) + Relu + Gemm matches float32 within tolerance, weights int8 per output row', async () => {
  const bytes = buildModel({
    inputs: [value('x', [4, 16])], outputs: [value('y', [4, 8])],
    initializers: [tensor('W1', [32, 16], seeded(512, 4)), tensor('B1', [32], seeded(32, 5)), tensor('W2', [8, 32], seeded(256, 6)), tensor('B2', [8], seeded(8, 7))],
    nodes: [node('Gemm', ['x', 'W1', 'B1'], ['g'], [attr.i('transB', 1)]), node('Relu', ['g'], ['r']), node('Gemm', ['r', 'W2', 'B2'], ['y'], [attr.i('transB', 1)])],
  });
  const r = await quantizeAndCompare(bytes, [4, 16]);
  const g = onnx.ModelProto.decode(r.quantized).graph!;
  const w1 = g.initializer!.find((t) => t.name!.startsWith('W1_int8'))!;
  assert.equal(w1.dataType, onnx.TensorProto.DataType.INT8);
  assert.equal(g.initializer!.find((t) => t.name!.startsWith('W1_scale'))!.dims!.map(Number)[0], 32, 'one scale per output row');
  assert.ok(!g.initializer!.some((t) => t.name === 'W1'), 'the float weight is gone');
  assert.ok(r.maxErr <= MAX_TOL && r.meanErr <= MEAN_TOL, `max ${r.maxErr.toFixed(4)}, mean ${r.meanErr.toFixed(4)}`);
});

test('quantizer: a residual Add becomes QLinearAdd and the block matches float32 within tolerance', async () => {
  const bytes = buildModel({
    inputs: [value('x', [2, 4, 8, 8])], outputs: [value('y', [2, 4, 8, 8])],
    initializers: [tensor('Wa', [8, 4, 1, 1], seeded(32, 8)), tensor('Wb', [8, 8, 3, 3], seeded(576, 9)), tensor('Bb', [8], seeded(8, 10)), tensor('Wc', [4, 8, 1, 1], seeded(32, 11))],
    nodes: [
      conv('x', 'Wa', null, 'a', 1), node('Relu', ['a'], ['ra']),
      conv('ra', 'Wb', 'Bb', 'b', 3), node('Relu', ['b'], ['rb']),
      node('Add', ['ra', 'rb'], ['s']), node('Relu', ['s'], ['t']),
      conv('t', 'Wc', null, 'y', 1),
    ],
  });
  const r = await quantizeAndCompare(bytes, [2, 4, 8, 8]);
  assert.ok(r.ops.has('QLinearAdd'), `no QLinearAdd: ${[...r.ops].join(', ')}`);
  assert.ok(r.ops.has('QLinearConv'));
  assert.ok(r.maxErr <= MAX_TOL && r.meanErr <= MEAN_TOL, `max ${r.maxErr.toFixed(4)}, mean ${r.meanErr.toFixed(4)}`);
});

test('quantizer: a depthwise Conv (group = channels) + Clip(0, 6) becomes QLinearConv and matches float32 within tolerance', async () => {
  const bytes = buildModel({
    inputs: [value('x', [2, 8, 8, 8])], outputs: [value('y', [2, 4, 8, 8])],
    initializers: [tensor('Wd', [8, 1, 3, 3], seeded(72, 12)), tensor('Bd', [8], seeded(8, 13)), tensor('lo', [], [0]), tensor('hi', [], [6]), tensor('Wp', [4, 8, 1, 1], seeded(32, 14))],
    nodes: [conv('x', 'Wd', 'Bd', 'd', 3, [attr.i('group', 8)]), node('Clip', ['d', 'lo', 'hi'], ['r']), conv('r', 'Wp', null, 'y', 1)],
  });
  const r = await quantizeAndCompare(bytes, [2, 8, 8, 8]);
  assert.ok(r.ops.has('QLinearConv'), `no QLinearConv: ${[...r.ops].join(', ')}`);
  assert.ok(!r.ops.has('Clip'), 'the Clip whose range holds the quantized range is dropped');
  assert.ok(r.maxErr <= MAX_TOL && r.meanErr <= MEAN_TOL, `max ${r.maxErr.toFixed(4)}, mean ${r.meanErr.toFixed(4)}`);
});

test('quantizer variants: depthwise convolutions or the last layers can stay float32; percentile ranges ignore rare outliers', () => {
  const bytes = buildModel({
    inputs: [value('x', [2, 8, 8, 8])], outputs: [value('y', [2, 4, 8, 8])],
    initializers: [tensor('Wd', [8, 1, 3, 3], seeded(72, 12)), tensor('Bd', [8], seeded(8, 13)), tensor('lo', [], [0]), tensor('hi', [], [6]), tensor('Wp', [4, 8, 1, 1], seeded(32, 14))],
    nodes: [conv('x', 'Wd', 'Bd', 'd', 3, [attr.i('group', 8)]), node('Clip', ['d', 'lo', 'hi'], ['r']), conv('r', 'Wp', null, 'y', 1)],
  });
  const model = onnx.ModelProto.decode(bytes);
  const ops = (p: ReturnType<typeof planQdq>) => p.weighted.map((w) => model.graph!.node![w.node].input![1]);
  assert.deepEqual(ops(planQdq(model)), ['Wd', 'Wp']);
  assert.deepEqual(ops(planQdq(model, { keepDepthwise: true })), ['Wp'], 'the depthwise conv keeps float32 weights');
  const tail = planQdq(model, { keepLast: 1 });
  assert.deepEqual(ops(tail), ['Wd']);
  assert.ok(tail.activations.includes('x') && !tail.activations.includes('y'), 'the float32 tail brings no activation of its own');
  assert.deepEqual(planQdq(model, { keepLast: 5 }), { weighted: [], activations: [] });
  // 99.9th percentile over 10,000 values 0..1 with one outlier at 1000: the range stays near [0, 1]
  const values = Float32Array.from({ length: 10_000 }, (_, i) => i / 9_999);
  values[1234] = 1000;
  const minmax = new RangeCollector();
  const pct = new RangeCollector({ kind: 'percentile', percentile: 99.9 });
  minmax.add('t', values);
  pct.add('t', values);
  assert.equal(minmax.result().get('t')!.max, 1000);
  const r = pct.result().get('t')!;
  assert.ok(r.max > 0.99 && r.max <= 1 && r.min >= 0 && r.min < 0.01, JSON.stringify(r));
  assert.throws(() => new RangeCollector({ kind: 'percentile', percentile: 40 }), /percentile must be in \(50, 100\]/);
});

test('quantizer: on an adapted classifier the head Gemm keeps its float32 weights and the feature outputs stay float32', () => {
  const { adapted } = adaptOnnx(convGemmModel().bytes, 'm.onnx');
  const model = onnx.ModelProto.decode(adapted);
  const plan = planQdq(model);
  assert.deepEqual(plan.weighted.map((w) => model.graph!.node![w.node].opType), ['Conv'], 'only the backbone Conv is quantized');
  assert.ok(!plan.activations.includes('r') && !plan.activations.includes('flat'), 'spatial map and pooled features are not quantized');
  const ranges = new Map(plan.activations.map((t) => [t, { min: -1, max: 1 }]));
  const q = onnx.ModelProto.decode(rewriteQdq(model, plan, ranges, { weightQmax: 127 })).graph!;
  assert.ok(q.initializer!.some((t) => t.name === 'B' && t.dataType === onnx.TensorProto.DataType.FLOAT), 'head weight B is float32');
  for (const o of q.output!) assert.equal(o.type!.tensorType!.elemType, onnx.TensorProto.DataType.FLOAT);
  assert.deepEqual(q.output!.map((o) => o.name), model.graph!.output!.map((o) => o.name));
});

test('per-channel weights, bias and activation parameters', () => {
  const w = Float32Array.of(1, -2, 0.5, 0, 0, 0, 10, 5, -10);
  const { q, scales } = quantizePerChannel(w, [3, 3], 0, 127);
  assert.deepEqual(Array.from(scales), [Math.fround(2 / 127), 1, Math.fround(10 / 127)], 'zero channel gets scale 1');
  assert.deepEqual(Array.from(q), [64, -127, 32, 0, 0, 0, 127, 64, -127]);
  const seven = quantizePerChannel(w, [3, 3], 0, 63);
  assert.ok(Array.from(seven.q).every((v) => Math.abs(v) <= 63));
  const b = quantizeBias(Float32Array.of(0.5, 1, -1), 0.1, scales);
  assert.equal(b.q[0], Math.round(0.5 / Math.fround(0.1 * scales[0])));
  assert.deepEqual(activationParams(0, 5.1), { scale: Math.fround(5.1 / 255), zeroPoint: 0 });
  assert.equal(activationParams(-1, 1).zeroPoint, Math.round(1 / Math.fround(2 / 255)), 'zero sits where -1 + zp * scale = 0');
  assert.deepEqual(activationParams(2, 3), { scale: Math.fround(3 / 255), zeroPoint: 0 }, 'the range always holds 0');
});

test('int8 decision: VNNI -> 8-bit weights, AVX2 only -> fallback unless opted in (then 7-bit), neither or no QDQ fusion -> fallback with the reason', async () => {
  assert.equal(int8PathFromCpuinfo('flags\t\t: fpu sse avx2 avx512f avx512_vnni\n').path, 'vnni');
  assert.equal(int8PathFromCpuinfo('flags\t\t: fpu sse avx2 bmi2\n').path, 'avx2');
  assert.equal(int8PathFromCpuinfo('Features\t: fp asimd asimddp\n').path, 'dotprod');
  assert.equal(int8PathFromCpuinfo('flags\t\t: fpu sse sse4_2\n').path, null);
  const vnni = decideInt8({ path: 'vnni', found: 'avx512_vnni' }, true);
  assert.ok(vnni.ok && vnni.weightQmax === 127);
  // AVX2 without VNNI falls back to float32 (issue 16's rule) unless the user opts in; then 7-bit weights
  const refused = decideInt8({ path: 'avx2', found: 'avx2 (no avx512_vnni / avx_vnni)' }, true, false);
  assert.ok(!refused.ok && /no VNNI int8 dot-product instructions .*SPURIOSITY_INT8_WITHOUT_VNNI=1/.test(refused.reason), JSON.stringify(refused));
  const avx2 = decideInt8({ path: 'avx2', found: 'avx2' }, true, true);
  assert.ok(avx2.ok && avx2.weightQmax === 63);
  const none = decideInt8({ path: null, found: 'neither avx2 nor a VNNI / dot-product extension' }, true);
  assert.ok(!none.ok && /no int8 dot-product path/.test(none.reason));
  const build = decideInt8({ path: 'vnni', found: 'x' }, 'its optimizer left Conv and no QLinearConv');
  assert.ok(!build.ok && /ONNX Runtime build/.test(build.reason));
  // This ONNX Runtime build fuses the probe.
  assert.ok(opTypes(await optimizedGraph(probeQdqModel())).has('QLinearConv'));
});

test('the spuriosityLens.precision setting offers exactly the engine\'s precisions, float32 by default', () => {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { configuration: { properties: Record<string, { enum: string[]; default: string }> } } };
  const setting = pkg.contributes.configuration.properties['spuriosityLens.precision'];
  assert.deepEqual(setting.enum, [...PRECISIONS]);
  assert.equal(setting.default, 'float32');
});
