// ONNX graphs for a linear head, built in code: one SGD step of softmax cross-entropy, and the forward pass.
// They hold no weights: the head, its momentum buffers and the batch are all fed, so one graph serves any head
// of the same shape and ONNX Runtime's GEMM does the heavy work (about 100-200x plain JavaScript loops).
import { onnx } from 'onnx-proto';

const DT = onnx.TensorProto.DataType;
const AT = onnx.AttributeProto.AttributeType;

/** Names of the training graph's inputs and outputs; per-step names take the step index k (0-based). */
export const STEP_IO = {
  x: (k: number) => `X${k}`, y: (k: number) => `Y${k}`, scale: (k: number) => `scale${k}`, loss: (k: number) => `loss${k}`,
  inputs: { w: 'W', b: 'b', uw: 'U', ub: 'ub' },
  outputs: { w: 'W_out', b: 'b_out', uw: 'U_out', ub: 'ub_out' },
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

const scalar = (name: string, v: number): onnx.INodeProto =>
  node('Constant', [], [name], [{ name: 'value', type: AT.TENSOR, t: { dims: [], dataType: DT.FLOAT, floatData: [v] } }]);

/**
 * `steps` consecutive SGD steps with momentum on mean softmax cross-entropy plus optional (l2 / 2) ||W||² (bias not
 * regularised). Step k takes a batch Xk (Bk x D) with one-hot targets Yk (Bk x C) and scalek = 1 / Bk.
 *
 * The momentum is carried scaled, U = -lr v, which turns PyTorch's update (v = m v + g, W -= lr v) into
 * U = m U - lr g and W += U: the first is the weight-gradient Gemm's own C term (alpha -lr, beta m), the second a
 * single Add, so a step makes one elementwise pass over the C x D weights besides its two GEMMs. lr, momentum and l2
 * are attributes for that reason (a graph per schedule). Several steps per run amortise what onnxruntime-node costs
 * per run (it copies every output, 2 x C x D floats here, into fresh JavaScript buffers).
 */
export function buildStepGraph(classes: number, dim: number, opts: { lr: number; momentum: number; l2: number; steps: number }): Uint8Array {
  const C = classes;
  const D = dim;
  const { lr, momentum: m, l2 } = opts;
  const IO = STEP_IO;
  const nodes: onnx.INodeProto[] = [scalar('neg_lr', -lr), scalar('mom', m)];
  if (l2 > 0) nodes.push(scalar('half_l2', 0.5 * l2), scalar('neg_lr_l2', -lr * l2));
  const inputs: onnx.IValueInfoProto[] = [value(IO.inputs.w, [C, D]), value(IO.inputs.b, [C]), value(IO.inputs.uw, [C, D]), value(IO.inputs.ub, [C])];
  const outputs: onnx.IValueInfoProto[] = [];
  let w: string = IO.inputs.w, b: string = IO.inputs.b, u: string = IO.inputs.uw, ub: string = IO.inputs.ub;
  for (let k = 0; k < opts.steps; k++) {
    const last = k === opts.steps - 1;
    const n = (s: string) => `${s}_${k}`;
    const x = IO.x(k), y = IO.y(k), scale = IO.scale(k);
    inputs.push(value(x, [`B${k}`, D]), value(y, [`B${k}`, C]), value(scale, []));
    outputs.push(value(IO.loss(k), []));
    nodes.push(
      node('Gemm', [x, w, b], [n('logits')], [i('transB', 1)]),
      node('LogSoftmax', [n('logits')], [n('logp')], [i('axis', 1)]),
      node('Exp', [n('logp')], [n('p')]),
      // loss = -scale Σ Y ⊙ log p
      node('Mul', [y, n('logp')], [n('ylogp')]),
      node('ReduceSum', [n('ylogp')], [n('nll_sum')], [i('keepdims', 0)]),
      node('Mul', [n('nll_sum'), scale], [n('nll_scaled')]),
      node('Neg', [n('nll_scaled')], [l2 > 0 ? n('ce') : IO.loss(k)]),
      // G = (p - Y) / B, d loss / d logits; the bias gradient is its column sum.
      node('Sub', [n('p'), y], [n('pmy')]),
      node('Mul', [n('pmy'), scale], [n('G')]),
      node('ReduceSum', [n('G')], [n('db')], [ints('axes', [0]), i('keepdims', 0)]),
      // ub = m ub - lr db; b += ub
      node('Mul', [ub, 'mom'], [n('mub')]),
      node('Mul', [n('db'), 'neg_lr'], [n('lrdb')]),
      node('Add', [n('mub'), n('lrdb')], [last ? IO.outputs.ub : n('ub')]),
      node('Add', [b, last ? IO.outputs.ub : n('ub')], [last ? IO.outputs.b : n('b')]),
    );
    const uNext = last ? IO.outputs.uw : n('U');
    if (l2 > 0) {
      // U = m U - lr (Gᵀ X + l2 W): the l2 part joins the C term in one more elementwise pass.
      nodes.push(
        node('Mul', [u, 'mom'], [n('mU')]),
        node('Mul', [w, 'neg_lr_l2'], [n('l2w')]),
        node('Add', [n('mU'), n('l2w')], [n('Cterm')]),
        node('Gemm', [n('G'), x, n('Cterm')], [uNext], [i('transA', 1), f('alpha', -lr), f('beta', 1)]),
        node('ReduceSumSquare', [w], [n('w_sq')], [i('keepdims', 0)]),
        node('Mul', [n('w_sq'), 'half_l2'], [n('reg')]),
        node('Add', [n('ce'), n('reg')], [IO.loss(k)]),
      );
    } else {
      nodes.push(node('Gemm', [n('G'), x, u], [uNext], [i('transA', 1), f('alpha', -lr), f('beta', m)]));
    }
    const wNext = last ? IO.outputs.w : n('W');
    nodes.push(node('Add', [w, uNext], [wNext]));
    w = wNext; b = last ? IO.outputs.b : n('b'); u = uNext; ub = last ? IO.outputs.ub : n('ub');
  }
  outputs.unshift(value(IO.outputs.w, [C, D]), value(IO.outputs.b, [C]), value(IO.outputs.uw, [C, D]), value(IO.outputs.ub, [C]));
  return encode(`linear_head_sgd_${opts.steps}_steps`, inputs, outputs, nodes);
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

/** Names of the loss-and-gradient graph's inputs and outputs. */
export const LOSS_GRAD_IO = { inputs: { x: 'X', y: 'Y', scale: 'scale', w: 'W', b: 'b' }, outputs: { loss: 'loss', gw: 'gW', gb: 'gb' } } as const;

/**
 * Softmax cross-entropy of a head over a chunk of rows and its gradient, for full-batch optimisers (core/headTune's
 * L-BFGS): loss = -scale Σ Y ⊙ log p, gW = scale (p - Y)ᵀ X, gb = scale Σ_rows (p - Y). With scale = 1 / (all rows),
 * the chunks' outputs add up to the mean over all rows, as core's softmaxCrossEntropy computes it.
 */
export function buildLossGradGraph(classes: number, dim: number): Uint8Array {
  const I = LOSS_GRAD_IO.inputs;
  const O = LOSS_GRAD_IO.outputs;
  return encode('linear_head_loss_grad', [
    value(I.x, ['N', dim]), value(I.y, ['N', classes]), value(I.scale, []), value(I.w, [classes, dim]), value(I.b, [classes]),
  ], [value(O.loss, []), value(O.gw, [classes, dim]), value(O.gb, [classes])], [
    node('Gemm', [I.x, I.w, I.b], ['logits'], [i('transB', 1)]),
    node('LogSoftmax', ['logits'], ['logp'], [i('axis', 1)]),
    node('Exp', ['logp'], ['p']),
    node('Mul', [I.y, 'logp'], ['ylogp']),
    node('ReduceSum', ['ylogp'], ['nll_sum'], [i('keepdims', 0)]),
    node('Mul', ['nll_sum', I.scale], ['nll_scaled']),
    node('Neg', ['nll_scaled'], [O.loss]),
    node('Sub', ['p', I.y], ['pmy']),
    node('Mul', ['pmy', I.scale], ['G']),
    node('ReduceSum', ['G'], [O.gb], [ints('axes', [0]), i('keepdims', 0)]),
    node('Gemm', ['G', I.x], [O.gw], [i('transA', 1)]),
  ]);
}
