// Graph variants built in code: the adapter's head reading, pooling detection, shape inference and refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { onnx } from 'onnx-proto';
import { adaptOnnx } from '../../src/engine/model/onnxGraph';
import { ModelAdaptError } from '../../src/engine/model/errors';
import { attr, buildModel, convGemmModel, node, seeded, tensor, value } from '../helpers/onnxBuilder';

const FILE = 'm.onnx';

test('Gemm with transB=0 and alpha/beta: the head weight is alpha * B^T and the bias beta * C', () => {
  const { bytes, B, C } = convGemmModel({ alpha: 2, beta: 0.5 });
  const { graph } = adaptOnnx(bytes, FILE);
  assert.equal(graph.dim, 4);
  assert.equal(graph.classes, 5);
  for (let c = 0; c < 5; c++) {
    for (let d = 0; d < 4; d++) assert.equal(graph.weight[c * 4 + d], Math.fround(2 * B[d * 5 + c]));
    assert.equal(graph.bias[c], Math.fround(0.5 * C[c]));
  }
  assert.equal(graph.pooled, 'flat');
  assert.equal(graph.spatial, 'r');
  assert.deepEqual(graph.spatialShape, [4, 4, 4], 'Conv stride 2 pad 1 on 8 x 8 gives 4 x 4');
  assert.equal(graph.inputSize, 8);
});

test('the adapted model declares pooled, logits and spatial outputs with a dynamic batch', () => {
  const { adapted } = adaptOnnx(convGemmModel().bytes, FILE);
  const g = onnx.ModelProto.decode(adapted).graph!;
  const outs = new Map(g.output!.map((o) => [o.name, o.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))]));
  assert.deepEqual(outs.get('flat'), ['batch', 4]);
  assert.deepEqual(outs.get('r'), ['batch', 4, 4, 4]);
  assert.deepEqual(outs.get('logits'), ['N', 5], 'an existing output is left as declared');
});

test('a dynamic input size leaves the crop undetected and h x w symbolic', () => {
  const { adapted, graph } = adaptOnnx(convGemmModel({ size: 'S' }).bytes, FILE);
  assert.equal(graph.inputSize, null);
  assert.equal(graph.spatialShape, null);
  const spatial = onnx.ModelProto.decode(adapted).graph!.output!.find((o) => o.name === 'r')!;
  assert.deepEqual(spatial.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue)), ['batch', 4, 'spatial_h', 'spatial_w']);
});

/** x: N x 6 x 3 x 3 feature map -> ReduceMean (axes as opset-18 input) -> MatMul(Transpose(W)) + Add(Constant b). */
function matMulModel(): { bytes: Uint8Array; W: Float32Array; b: Float32Array } {
  const W = seeded(2 * 6, 7);
  const b = seeded(2, 8);
  const bytes = buildModel({
    opset: 18,
    inputs: [value('x', [1, 3, 6, 6])],
    outputs: [value('y', [1, 2])],
    initializers: [tensor('K', [6, 3, 1, 1], seeded(18, 9)), tensor('axes', [2], [-1, -2], { int64: true }), tensor('W', [2, 6], W)],
    nodes: [
      node('Conv', ['x', 'K'], ['feat'], [attr.ints('kernel_shape', [1, 1]), attr.ints('strides', [2, 2])]),
      node('ReduceMean', ['feat', 'axes'], ['pooled'], [attr.i('keepdims', 0)]),
      node('Transpose', ['W'], ['Wt'], [attr.ints('perm', [1, 0])]),
      node('MatMul', ['pooled', 'Wt'], ['mm']),
      node('Constant', [], ['bias'], [attr.t('value', tensor('', [2], b))]),
      node('Add', ['bias', 'mm'], ['y']),
    ],
  });
  return { bytes, W, b };
}

test('MatMul + Add head with a transposed weight and a Constant-node bias; ReduceMean axes given as an input', () => {
  const { bytes, W, b } = matMulModel();
  const { graph } = adaptOnnx(bytes, FILE);
  assert.deepEqual(Array.from(graph.weight), Array.from(W), 'MatMul(x, W^T) has head weight W');
  assert.deepEqual(Array.from(graph.bias), Array.from(b));
  assert.equal(graph.spatial, 'feat');
  assert.deepEqual(graph.spatialShape, [6, 3, 3]);
  assert.equal(graph.inputSize, 6);
});

test('a head fed by something other than global pooling has no spatial map, with a note', () => {
  const bytes = buildModel({
    inputs: [value('x', ['N', 3, 2, 2])],
    outputs: [value('y', ['N', 3])],
    initializers: [tensor('shape', [2], [0, -1], { int64: true }), tensor('W', [3, 12], seeded(36, 4)), tensor('c', [3], [1, 2, 3])],
    nodes: [node('Reshape', ['x', 'shape'], ['flat']), node('Gemm', ['flat', 'W', 'c'], ['y'], [attr.i('transB', 1)])],
  });
  const { graph } = adaptOnnx(bytes, FILE);
  assert.equal(graph.spatial, null);
  assert.equal(graph.dim, 12);
  assert.ok(graph.notes.some((n) => n.includes('spatial maps')));
});

test('refusals name the file and what was expected', () => {
  const expectError = (bytes: Uint8Array, pattern: RegExp) =>
    assert.throws(() => adaptOnnx(bytes, FILE), (e: unknown) => e instanceof ModelAdaptError && e.message.startsWith(`${FILE}: `) && pattern.test(e.message));

  expectError(new Uint8Array([1, 2, 3, 4, 5]), /not a readable ONNX model|no graph nodes/);
  const relu = (inputs: onnx.IValueInfoProto[]) => buildModel({ inputs, outputs: [value('y', null)], nodes: [node('Relu', ['x'], ['y'])] });
  expectError(relu([value('x', [1, 3, 4, 4])]), /expected a Gemm or MatMul\+Add producing output "y"; found Relu node "Relu_y"/);
  expectError(relu([value('x', [1, 3, 4, 4], onnx.TensorProto.DataType.UINT8)]), /input "x" has element type UINT8; expected FLOAT/);
  expectError(relu([value('x', [1, 1, 4, 4])]), /expected N x 3 x H x W/);
  expectError(relu([value('x', [1, 3, 4, 5])]), /4 x 5; expected a square input/);
  expectError(relu([value('x', [1, 3, 4, 4]), value('z', [1, 3, 4, 4])]), /2 inputs \("x", "z"\)/);

  // Head weight computed at run time is not a head the engine can read.
  expectError(buildModel({
    inputs: [value('x', [1, 3, 2, 2])],
    outputs: [value('y', [1, 12])],
    nodes: [node('Flatten', ['x'], ['flat']), node('Relu', ['flat'], ['w']), node('Gemm', ['flat', 'w'], ['y'], [attr.i('transB', 1)])],
  }), /weight of Gemm node "Gemm_y" \("w"\) to be an initializer or Constant; it is Relu node/);

  const external = onnx.ModelProto.decode(convGemmModel().bytes);
  external.graph!.initializer![0].dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  expectError(onnx.ModelProto.encode(external).finish(), /external data/);
});

test('a graph whose first output is not logits is adapted through a later output', () => {
  const parsed = onnx.ModelProto.decode(convGemmModel().bytes);
  parsed.graph!.output!.unshift(onnx.ValueInfoProto.create(value('r', ['N', 4, 4, 4])));
  const { graph } = adaptOnnx(onnx.ModelProto.encode(parsed).finish(), FILE);
  assert.equal(graph.logits, 'logits');
});
