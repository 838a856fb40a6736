// Builds small ONNX models in code (with onnx-proto), so graph shapes the Python exporters never produce
// (Gemm transB=0, Constant-node weights, opset-18 ReduceMean, bad inputs) can be tested without torch.
import { onnx } from 'onnx-proto';

const DT = onnx.TensorProto.DataType;

/** A float32 (or int64) tensor; float32 values go in raw_data unless `floatData` is asked for. */
export function tensor(name: string, dims: number[], values: ArrayLike<number>, opts: { int64?: boolean; floatData?: boolean } = {}): onnx.ITensorProto {
  if (opts.int64) return { name, dims, dataType: DT.INT64, int64Data: Array.from(values) };
  if (opts.floatData) return { name, dims, dataType: DT.FLOAT, floatData: Array.from(values) };
  const f = Float32Array.from(values);
  return { name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(f.buffer) };
}

/** Attribute helpers: float, int, ints, tensor. */
export const attr = {
  f: (name: string, f: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.FLOAT, f }),
  i: (name: string, i: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i }),
  ints: (name: string, ints: number[]): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints }),
  t: (name: string, t: onnx.ITensorProto): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.TENSOR, t }),
};

/** A node; its name defaults to op + first output. */
export function node(opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, input, output, attribute, name: `${opType}_${output[0]}` };
}

/** A value_info; string dims are symbolic (dynamic). */
export function value(name: string, dims: (number | string)[] | null, elemType: number = DT.FLOAT): onnx.IValueInfoProto {
  const shape = dims ? { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } : undefined;
  return { name, type: { tensorType: { elemType, ...(shape ? { shape } : {}) } } };
}

/** Encodes a model from its parts. */
export function buildModel(parts: { inputs: onnx.IValueInfoProto[]; outputs: onnx.IValueInfoProto[]; nodes: onnx.INodeProto[]; initializers?: onnx.ITensorProto[]; valueInfo?: onnx.IValueInfoProto[]; opset?: number }): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 8,
    producerName: 'spuriosity-lens-tests',
    opsetImport: [{ domain: '', version: parts.opset ?? 13 }],
    graph: {
      name: 'g',
      input: parts.inputs,
      output: parts.outputs,
      node: parts.nodes,
      initializer: parts.initializers ?? [],
      valueInfo: parts.valueInfo ?? [],
    },
  }).finish();
}

/** Seeded uniform values in [-1, 1) (mulberry32), for weights. */
export function seeded(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

/**
 * A small conv classifier (batch N dynamic unless `batch` fixes it): input N x 3 x S x S -> Conv(4 ch, 3x3, stride 2, pad 1) -> Relu -> GlobalAveragePool
 * -> Flatten -> Gemm(transB=0, alpha, beta) -> `logits` (5 classes). B is D x C = 4 x 5.
 */
export function convGemmModel(opts: { size?: number | string; alpha?: number; beta?: number; batch?: number | string } = {}): { bytes: Uint8Array; B: Float32Array; C: Float32Array } {
  const S = opts.size ?? 8;
  const N = opts.batch ?? 'N';
  const W = seeded(4 * 3 * 3 * 3, 1);
  const B = seeded(4 * 5, 2);
  const C = seeded(5, 3);
  const bytes = buildModel({
    inputs: [value('x', [N, 3, S, S])],
    outputs: [value('logits', [N, 5])],
    initializers: [tensor('W', [4, 3, 3, 3], W), tensor('B', [4, 5], B, { floatData: true }), tensor('C', [5], C)],
    nodes: [
      node('Conv', ['x', 'W'], ['c'], [attr.ints('kernel_shape', [3, 3]), attr.ints('pads', [1, 1, 1, 1]), attr.ints('strides', [2, 2])]),
      node('Relu', ['c'], ['r']),
      node('GlobalAveragePool', ['r'], ['gap']),
      node('Flatten', ['gap'], ['flat'], [attr.i('axis', 1)]),
      node('Gemm', ['flat', 'B', 'C'], ['logits'], [attr.f('alpha', opts.alpha ?? 1), attr.f('beta', opts.beta ?? 1), attr.i('transB', 0)]),
    ],
  });
  return { bytes, B, C };
}
