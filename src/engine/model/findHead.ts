import type { onnx } from 'onnx-proto';
import { ModelAdaptError } from './errors';
import { attrFloat, attrInt, attrInts, transpose2d, type GraphIndex } from './graphIndex';
import type { ConstTensor } from './tensorData';

/** The classifier head found in a graph: where logits, pooled features and the spatial map live, and the head's parameters. */
export interface HeadLocation {
  logits: string;
  pooled: string;
  /** Input of the global pooling (N x D x h x w), or null when the features are not globally pooled. */
  spatial: string | null;
  dim: number;
  classes: number;
  /** C x D row-major, with Gemm's alpha folded in. */
  weight: Float32Array;
  /** C, with Gemm's beta folded in; zeros when the head has no bias. */
  bias: Float32Array;
  /** Things the adapter did that a user should know. */
  notes: string[];
}

// Ops that pass a tensor through unchanged (at inference) between the head and what surrounds it.
const PASS_THROUGH = new Set(['Identity', 'Dropout']);
// Ops that reshape the pooled N x D x 1 x 1 map into N x D on the way to the head.
const RESHAPES = new Set(['Flatten', 'Reshape', 'Squeeze', 'Identity', 'Dropout']);

/** Finds the linear head producing graph output `output` (or the tensor before a final Softmax); throws ModelAdaptError naming the node expected. */
export function findHead(index: GraphIndex, output: string, file: string): HeadLocation {
  const notes: string[] = [];
  let logits = skip(index, output, PASS_THROUGH);
  let node = index.producer(logits);
  if (node && (node.opType === 'Softmax' || node.opType === 'LogSoftmax')) {
    notes.push(`graph output "${output}" is ${node.opType} of the logits; using its input "${node.input?.[0]}" as the logits`);
    logits = skip(index, node.input?.[0] ?? '', PASS_THROUGH);
    node = index.producer(logits);
  }
  const expected = `expected a Gemm or MatMul+Add producing output "${output}"`;
  const averaged = node && averagedHeads(index, node);
  if (averaged) {
    throw new ModelAdaptError(file, `output "${output}" combines two linear heads ("${averaged[0]}" and "${averaged[1]}"; their sum or mean), as a distilled DeiT averages its class-token and distillation-token heads; the engine reads one linear head over one feature vector, so this model is not supported. Export it with the class token's head alone (for timm: a torch.nn.Module whose forward returns m.head(m.forward_features(x)[:, 0]))`);
  }
  if (!node) throw new ModelAdaptError(file, `${expected}; found ${index.describe(logits)} "${logits}" and no linear head`);
  let head: { features: string; weight: ConstTensor; bias: ConstTensor | null; scale: number; biasScale: number };
  if (node.opType === 'Gemm') {
    head = gemmHead(index, node, file);
  } else if (node.opType === 'Add' || node.opType === 'MatMul') {
    head = matMulHead(index, node, file, expected);
  } else {
    throw new ModelAdaptError(file, `${expected}; found ${index.describe(logits)} (a model whose last layer is not linear has no head to read)`);
  }
  const [classes, dim] = head.weight.dims;
  const weight = new Float32Array(classes * dim);
  for (let i = 0; i < weight.length; i++) weight[i] = head.scale * head.weight.values[i];
  const bias = new Float32Array(classes);
  if (head.bias) {
    const b = head.bias;
    const n = b.values.length;
    if (n !== 1 && n !== classes) throw new ModelAdaptError(file, `the head bias has ${n} values; expected ${classes} (one per class) or 1`);
    for (let i = 0; i < classes; i++) bias[i] = head.biasScale * b.values[n === 1 ? 0 : i];
  }
  const pooling = findPooling(index, head.features);
  if (!pooling) notes.push(`no GlobalAveragePool or ReduceMean over the spatial axes feeds the head input "${head.features}": spatial maps (heatmaps) are unavailable`);
  return { logits, pooled: head.features, spatial: pooling, dim, classes, weight, bias, notes };
}

/** The two head nodes when `node` averages two linear heads ((a + b) / 2, (a + b) * 0.5, or a + b of two Gemm/MatMul heads), else null. */
function averagedHeads(index: GraphIndex, node: onnx.INodeProto): [string, string] | null {
  let sum: onnx.INodeProto | undefined = node;
  if (node.opType === 'Div' || node.opType === 'Mul') {
    const [a, b] = node.input ?? [];
    const other = index.constant(b) ? a : index.constant(a) ? b : null;
    sum = other ? index.producer(skip(index, other, PASS_THROUGH)) : undefined;
  }
  if (!sum || sum.opType !== 'Add') return null;
  const heads = (sum.input ?? []).map((t) => index.producer(skip(index, t, PASS_THROUGH)));
  const linear = (n: onnx.INodeProto | undefined) => n?.opType === 'Gemm' || n?.opType === 'MatMul' || (n?.opType === 'Add' && (n.input ?? []).some((t) => index.producer(t)?.opType === 'MatMul'));
  return heads.length === 2 && heads.every(linear) ? [heads[0]!.name ?? heads[0]!.output?.[0] ?? '', heads[1]!.name ?? heads[1]!.output?.[0] ?? ''] : null;
}

function skip(index: GraphIndex, tensor: string, ops: Set<string>): string {
  let t = tensor;
  for (let n = index.producer(t); n && ops.has(n.opType ?? ''); n = index.producer(t)) t = n.input?.[0] ?? '';
  return t;
}

function requireConst(index: GraphIndex, name: string, what: string, node: onnx.INodeProto, file: string): ConstTensor {
  const c = index.constant(name);
  if (!c) {
    throw new ModelAdaptError(file, `expected the ${what} of ${node.opType} node "${node.name ?? ''}" ("${name}") to be an initializer or Constant; it is ${index.describe(name)}`);
  }
  return c;
}

function gemmHead(index: GraphIndex, node: onnx.INodeProto, file: string) {
  const [a, b, c] = node.input ?? [];
  if (attrInt(node, 'transA', 0) !== 0) throw new ModelAdaptError(file, `Gemm node "${node.name ?? ''}" has transA=1; expected features as N x D (transA=0)`);
  const w = requireConst(index, b, 'weight', node, file);
  if (w.dims.length !== 2) throw new ModelAdaptError(file, `Gemm node "${node.name ?? ''}" weight "${b}" has shape [${w.dims}]; expected 2-D`);
  // Gemm computes alpha * A * B' + beta * C with B' = B^T when transB=1: the C x D weight is B (transB=1) or B^T.
  const weight = attrInt(node, 'transB', 0) === 1 ? w : transpose2d(w);
  const bias = c ? requireConst(index, c, 'bias', node, file) : null;
  return { features: a, weight, bias, scale: attrFloat(node, 'alpha', 1), biasScale: attrFloat(node, 'beta', 1) };
}

function matMulHead(index: GraphIndex, node: onnx.INodeProto, file: string, expected: string) {
  let mm = node;
  let bias: ConstTensor | null = null;
  if (node.opType === 'Add') {
    const [x, y] = node.input ?? [];
    const px = index.producer(skip(index, x, PASS_THROUGH));
    const py = index.producer(skip(index, y, PASS_THROUGH));
    const [mmNode, biasName] = px?.opType === 'MatMul' ? [px, y] : py?.opType === 'MatMul' ? [py, x] : [undefined, ''];
    if (!mmNode) throw new ModelAdaptError(file, `${expected}; found an Add node "${node.name ?? ''}" whose inputs are ${index.describe(x)} and ${index.describe(y)}, not a MatMul`);
    mm = mmNode;
    bias = requireConst(index, biasName, 'bias', node, file);
  }
  const [a, b] = mm.input ?? [];
  const w = requireConst(index, b, 'weight', mm, file);
  if (w.dims.length !== 2) throw new ModelAdaptError(file, `MatMul node "${mm.name ?? ''}" weight "${b}" has shape [${w.dims}]; expected D x C`);
  // MatMul computes features (N x D) @ W (D x C); the head weight is its transpose.
  return { features: a, weight: transpose2d(w), bias, scale: 1, biasScale: 1 };
}

/** Walks back from the head input through reshapes to a global average pooling; returns that pooling's input (the spatial map). */
function findPooling(index: GraphIndex, features: string): string | null {
  let t = features;
  for (let n = index.producer(t); n; n = index.producer(t)) {
    if (n.opType === 'GlobalAveragePool') return n.input?.[0] ?? null;
    if (n.opType === 'ReduceMean') {
      const axes = attrInts(n, 'axes') ?? (n.input?.[1] ? Array.from(index.constant(n.input[1])?.values ?? []) : null);
      const sorted = axes?.map((x) => (x < 0 ? x + 4 : x)).sort((p, q) => p - q);
      return sorted && sorted.length === 2 && sorted[0] === 2 && sorted[1] === 3 ? (n.input?.[0] ?? null) : null;
    }
    if (!RESHAPES.has(n.opType ?? '')) return null;
    t = n.input?.[0] ?? '';
  }
  return null;
}
