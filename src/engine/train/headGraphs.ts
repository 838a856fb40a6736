// ONNX graphs for a linear head, built in code: one SGD step of softmax cross-entropy, and the forward pass.
// They hold no weights: the head, its momentum buffers and the batch are all fed, so one graph serves any head
// of the same shape and ONNX Runtime's GEMM does the heavy work (about 100-200x plain JavaScript loops).
import { onnx } from 'onnx-proto';

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

/** Names of the training step graph's inputs and outputs. */
export const STEP_IO = {
  inputs: { x: 'X', y: 'Y', w: 'W', b: 'b', vw: 'vW', vb: 'vb', lr: 'lr', scale: 'scale' },
  outputs: { w: 'W_next', b: 'b_next', vw: 'vW_next', vb: 'vb_next', loss: 'loss' },
} as const;

/** Names of the forward graph's inputs and outputs. */
export const FORWARD_IO = { inputs: { x: 'X', w: 'W', b: 'b' }, outputs: { logits: 'logits', argmax: 'argmax' } } as const;

function value(name: string, dims: (number | string)[], elemType: number = DT.FLOAT): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } } };
}

function node(opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto {
  return { opType, input, output, attribute, name: `${opType}_${output[0]}` };
}

const f = (name: string, v: number): onnx.IAttributeProto => ({ name, type: AT.FLOAT, f: v });
const i = (name: string, v: number): onnx.IAttributeProto => ({ name, type: AT.INT, i: v });
const ints = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: AT.INTS, ints: v });

function encode(name: string, inputs: onnx.IValueInfoProto[], outputs: onnx.IValueInfoProto[], nodes: onnx.INodeProto[]): Uint8Array {
  return onnx.ModelProto.encode({
    irVersion: 7,
    producerName: 'spuriosity-lens',
    opsetImport: [{ domain: '', version: 12 }],
    graph: { name, input: inputs, output: outputs, node: nodes, initializer: [] },
  }).finish();
}

/**
 * One SGD step with momentum (PyTorch's form: v = m v + g, w -= lr v) on mean softmax cross-entropy plus optional
 * (l2 / 2) ||W||² (bias not regularised), for a batch X (B x D) with one-hot targets Y (B x C). `scale` is 1 / B.
 * Momentum and l2 are attributes rather than inputs so that `m vW + Xᵀ-gradient + l2 W` folds into the gradient
 * Gemm's C term: one pass over the C x D weights fewer per op, which is most of the step's non-GEMM cost.
 */
export function buildStepGraph(classes: number, dim: number, opts: { momentum: number; l2: number }): Uint8Array {
  const I = STEP_IO.inputs;
  const O = STEP_IO.outputs;
  const nodes: onnx.INodeProto[] = [
    node('Gemm', [I.x, I.w, I.b], ['logits'], [i('transB', 1)]),
    node('LogSoftmax', ['logits'], ['logp'], [i('axis', 1)]),
    node('Exp', ['logp'], ['p']),
    // loss = -scale * Σ Y ⊙ log p
    node('Mul', [I.y, 'logp'], ['ylogp']),
    node('ReduceSum', ['ylogp'], ['nll_sum'], [i('keepdims', 0)]),
    node('Mul', ['nll_sum', I.scale], ['nll_scaled']),
    node('Neg', ['nll_scaled'], [opts.l2 > 0 ? 'ce' : O.loss]),
    // G = (p - Y) / B: d loss / d logits
    node('Sub', ['p', I.y], ['pmy']),
    node('Mul', ['pmy', I.scale], ['G']),
    node('ReduceSum', ['G'], ['db'], [ints('axes', [0]), i('keepdims', 0)]),
    // vb' = m vb + db; b' = b - lr vb'
    node('Mul', [I.vb, 'm_scalar'], ['mvb']),
    node('Add', ['mvb', 'db'], [O.vb]),
    node('Mul', [O.vb, I.lr], ['lrvb']),
    node('Sub', [I.b, 'lrvb'], [O.b]),
    // W' = W - lr vW'
    node('Mul', [O.vw, I.lr], ['lrvw']),
    node('Sub', [I.w, 'lrvw'], [O.w]),
  ];
  nodes.push(node('Constant', [], ['m_scalar'], [{ name: 'value', type: AT.TENSOR, t: { dims: [], dataType: DT.FLOAT, floatData: [opts.momentum] } }]));
  if (opts.l2 > 0) {
    // vW' = m vW + l2 W + Gᵀ X, the first two in one elementwise pass, the last accumulated by the GEMM itself.
    nodes.push(
      node('Mul', [I.vw, 'm_scalar'], ['mvw']),
      node('Constant', [], ['l2_scalar'], [{ name: 'value', type: AT.TENSOR, t: { dims: [], dataType: DT.FLOAT, floatData: [opts.l2] } }]),
      node('Mul', [I.w, 'l2_scalar'], ['l2w']),
      node('Add', ['mvw', 'l2w'], ['vw_pre']),
      node('Gemm', ['G', I.x, 'vw_pre'], [O.vw], [i('transA', 1), f('beta', 1)]),
      node('ReduceSumSquare', [I.w], ['w_sq'], [i('keepdims', 0)]),
      node('Constant', [], ['half_l2'], [{ name: 'value', type: AT.TENSOR, t: { dims: [], dataType: DT.FLOAT, floatData: [0.5 * opts.l2] } }]),
      node('Mul', ['w_sq', 'half_l2'], ['reg']),
      node('Add', ['ce', 'reg'], [O.loss]),
    );
  } else {
    nodes.push(node('Gemm', ['G', I.x, I.vw], [O.vw], [i('transA', 1), f('beta', opts.momentum)]));
  }
  const C = classes;
  const D = dim;
  return encode('linear_head_sgd_step', [
    value(I.x, ['B', D]), value(I.y, ['B', C]), value(I.w, [C, D]), value(I.b, [C]), value(I.vw, [C, D]), value(I.vb, [C]),
    value(I.lr, []), value(I.scale, []),
  ], [value(O.w, [C, D]), value(O.b, [C]), value(O.vw, [C, D]), value(O.vb, [C]), value(O.loss, [])], topoSort(nodes));
}

/** The head's forward pass over N x D features: logits (N x C) and their argmax (N, int64). */
export function buildForwardGraph(classes: number, dim: number): Uint8Array {
  const I = FORWARD_IO.inputs;
  const O = FORWARD_IO.outputs;
  return encode('linear_head_forward', [value(I.x, ['N', dim]), value(I.w, [classes, dim]), value(I.b, [classes])],
    [value(O.logits, ['N', classes]), value(O.argmax, ['N'], DT.INT64)], [
      node('Gemm', [I.x, I.w, I.b], [O.logits], [i('transB', 1)]),
      node('ArgMax', [O.logits], [O.argmax], [i('axis', 1), i('keepdims', 0)]),
    ]);
}

/** ONNX requires nodes in topological order; the step graph is easier to read grouped by purpose. */
function topoSort(nodes: onnx.INodeProto[]): onnx.INodeProto[] {
  const produced = new Set<string>(Object.values(STEP_IO.inputs));
  const out: onnx.INodeProto[] = [];
  const pending = nodes.slice();
  while (pending.length > 0) {
    const k = pending.findIndex((n) => (n.input ?? []).every((x) => produced.has(x)));
    if (k < 0) throw new Error(`headGraphs: step graph has a cycle or a missing input near ${pending[0].name}`);
    const [n] = pending.splice(k, 1);
    for (const o of n.output ?? []) produced.add(o);
    out.push(n);
  }
  return out;
}
