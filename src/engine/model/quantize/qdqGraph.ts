// Static int8 quantization of a float32 ONNX classifier by graph rewrite, in the QDQ form ONNX Runtime fuses into
// integer kernels (DequantizeLinear -> Conv -> QuantizeLinear becomes QLinearConv, the residual Add QLinearAdd):
//   - every Conv / Gemm / MatMul with a constant weight gets int8 weights per output channel and an int32 bias;
//   - its activation input and its output (after a Relu or Clip that follows it alone, which ORT then drops) get a
//     QuantizeLinear -> DequantizeLinear pair with the calibrated uint8 scale;
//   - a residual Add's two inputs and its output likewise;
//   - graph outputs (logits, pooled features, spatial map) stay float32, and the head, the linear layer reading the
//     pooled features, keeps its float32 weights (it is what the rankings read).
import { onnx } from 'onnx-proto';
import { attrFloat, attrInt, GraphIndex } from '../graphIndex';
import { int64, readTensor } from '../tensorData';
import { activationParams, quantizeBias, quantizePerChannel } from './weights';

const DT = onnx.TensorProto.DataType;

/** Bumped whenever the rewrite or the calibration changes what the quantized model computes (it keys the cache). */
export const QUANTIZER_VERSION = 1;

/** Calibrated value range of one activation tensor. */
export interface Range {
  min: number;
  max: number;
}

/** What to quantize: weighted nodes (by index in graph.node) and the activation tensors to calibrate. */
export interface QdqPlan {
  weighted: Array<{ node: number; axis: number }>;
  activations: string[];
}

/** Options of the rewrite. */
export interface QdqOptions {
  /** 127 for full int8 weights; 63 (7-bit) where u8 x s8 pair sums would saturate int16 (AVX2 without VNNI). */
  weightQmax: number;
}

/** Ops that pass an activation through and that ORT removes before a QuantizeLinear whose range they contain. */
const ACTIVATIONS = new Set(['Relu', 'Clip']);

/** Layers left in float32 besides the head (defaults: none); used to measure what costs fidelity. */
export interface PlanOptions {
  /** Depthwise convolutions (group = input channels > 1) keep float32 weights. */
  keepDepthwise?: boolean;
  /** The last N weighted layers before the head keep float32 weights. */
  keepLast?: number;
}

/** Chooses the nodes and tensors to quantize; `keepFloat` (graph outputs) are never quantized at their producer. */
export function planQdq(model: onnx.IModelProto, options: PlanOptions = {}): QdqPlan {
  const graph = model.graph!;
  const opset = (model.opsetImport ?? []).find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!opset || int64(opset.version) < 13) {
    throw new Error(`per-channel int8 weights need ONNX opset 13 or later; the model declares opset ${opset ? int64(opset.version) : 'none'}`);
  }
  const index = new GraphIndex(graph);
  const keepFloat = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  const nodes = graph.node ?? [];
  const weightedAll: QdqPlan['weighted'] = [];
  // the activations each quantized node brings, by node index (a float32 tail drops its nodes' entries)
  const actsAt: Array<{ node: number; tensors: string[] }> = [];
  let cur: string[] = [];
  const acts = { add: (t: string) => { cur.push(t); } };
  const addOutput = (tensor: string): void => {
    const after = followActivation(index, tensor);
    if (!keepFloat.has(after)) acts.add(after);
  };
  const weighted = weightedAll;
  nodes.forEach((n, i) => {
    cur = [];
    visit(n, i);
    if (cur.length) actsAt.push({ node: i, tensors: cur });
  });
  function visit(n: onnx.INodeProto, i: number): void {
    const x = n.input?.[0] ?? '';
    if (n.opType === 'Conv' || n.opType === 'Gemm' || n.opType === 'MatMul') {
      // The head reads the pooled features (a graph output): it stays float32.
      if (keepFloat.has(x) || index.constant(x) !== null) return;
      const axis = weightAxis(n, index);
      if (axis === null) return;
      if (options.keepDepthwise && n.opType === 'Conv' && attrInt(n, 'group', 1) > 1) return;
      weighted.push({ node: i, axis });
      acts.add(x);
      addOutput(n.output?.[0] ?? '');
    } else if (n.opType === 'Add') {
      const [a, b] = n.input ?? [];
      if (!a || !b || index.constant(a) !== null || index.constant(b) !== null) return;
      acts.add(a);
      acts.add(b);
      addOutput(n.output?.[0] ?? '');
    }
  }
  // keepLast: from the first of the last N weighted layers on, nothing is quantized (a float32 tail)
  const keep = Math.max(0, Math.floor(options.keepLast ?? 0));
  const cutoff = keep > 0 ? (weightedAll[weightedAll.length - keep]?.node ?? -1) : Infinity;
  const from = cutoff === -1 ? -1 : cutoff;
  return {
    weighted: weightedAll.filter((w) => w.node < from),
    activations: [...new Set(actsAt.filter((a) => a.node < from).flatMap((a) => a.tensors))],
  };
}

/** The tensor after a Relu / Clip(min >= 0) that is the only reader of `tensor`, else `tensor` itself. */
function followActivation(index: GraphIndex, tensor: string): string {
  const readers = index.consumersOf(tensor);
  if (readers.length !== 1 || !ACTIVATIONS.has(readers[0].opType ?? '')) return tensor;
  const act = readers[0];
  if (act.opType === 'Clip') {
    const min = act.input?.[1] ? index.constant(act.input[1]) : null;
    if (!min || min.values[0] < 0) return tensor;
  }
  return act.output?.[0] ?? tensor;
}

/** The output-channel axis of a weighted node's constant weight, or null when the node cannot be quantized. */
function weightAxis(n: onnx.INodeProto, index: GraphIndex): number | null {
  const w = n.input?.[1] ?? '';
  const init = (index.graph.initializer ?? []).find((t) => t.name === w);
  if (!init || init.dataType !== DT.FLOAT) return null;
  const dims = (init.dims ?? []).map(int64);
  if (n.opType === 'Conv') return dims.length >= 3 ? 0 : null;
  if (dims.length !== 2) return null;
  if (n.opType === 'MatMul') return 1;
  // Gemm: A must not be transposed and alpha folded into nothing; its bias must be one value per output.
  if (attrInt(n, 'transA', 0) !== 0 || attrFloat(n, 'alpha', 1) !== 1 || attrFloat(n, 'beta', 1) !== 1) return null;
  const axis = attrInt(n, 'transB', 0) === 1 ? 0 : 1;
  const c = n.input?.[2];
  if (c) {
    const bias = index.constant(c);
    if (!bias || bias.values.length !== dims[axis]) return null;
  }
  return axis;
}

/** Re-encodes the model with every planned activation as a graph output too, for calibration runs. */
export function calibrationModel(model: onnx.IModelProto, plan: QdqPlan): Uint8Array {
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = copy.graph!;
  const have = new Set((graph.output ?? []).map((o) => o.name));
  for (const t of plan.activations) {
    if (have.has(t)) continue;
    graph.output = [...(graph.output ?? []), onnx.ValueInfoProto.create({ name: t, type: { tensorType: { elemType: DT.FLOAT } } })];
  }
  return onnx.ModelProto.encode(copy).finish();
}

/** Rewrites the model into QDQ form with the calibrated ranges; returns the encoded quantized model. */
export function rewriteQdq(model: onnx.IModelProto, plan: QdqPlan, ranges: ReadonlyMap<string, Range>, opts: QdqOptions): Uint8Array {
  const copy = onnx.ModelProto.decode(onnx.ModelProto.encode(model).finish());
  const graph = copy.graph!;
  const index = new GraphIndex(graph);
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? '', t]));
  const newInits: onnx.ITensorProto[] = [];
  let serial = 0;
  const fresh = (base: string): string => `${base}__qdq${serial++}`;

  // Activation Q/DQ pairs: the consumers read the dequantized tensor, a graph output keeps the float one.
  const act = new Map<string, { scale: number; zeroPoint: number; dq: string; scaleName: string; zpName: string }>();
  for (const t of plan.activations) {
    const r = ranges.get(t);
    if (!r) throw new Error(`rewriteQdq: no calibrated range for tensor "${t}"`);
    const { scale, zeroPoint } = activationParams(r.min, r.max);
    const scaleName = fresh(`${t}_scale`);
    const zpName = fresh(`${t}_zp`);
    newInits.push(scalar(scaleName, DT.FLOAT, new Uint8Array(Float32Array.of(scale).buffer)), scalar(zpName, DT.UINT8, Uint8Array.of(zeroPoint)));
    act.set(t, { scale, zeroPoint, dq: fresh(`${t}_dq`), scaleName, zpName });
  }
  const qdqNodes = (t: string): onnx.INodeProto[] => {
    const a = act.get(t)!;
    const q = fresh(`${t}_q`);
    return [
      { opType: 'QuantizeLinear', name: fresh('Q'), input: [t, a.scaleName, a.zpName], output: [q] },
      { opType: 'DequantizeLinear', name: fresh('DQ'), input: [q, a.scaleName, a.zpName], output: [a.dq] },
    ];
  };

  const weightedAt = new Map(plan.weighted.map((w) => [w.node, w.axis]));
  const out: onnx.INodeProto[] = [];
  for (const i of graph.input ?? []) if (i.name && act.has(i.name) && !inits.has(i.name)) out.push(...qdqNodes(i.name));
  (graph.node ?? []).forEach((n, i) => {
    const axis = weightedAt.get(i);
    if (axis !== undefined) out.push(...quantizeWeights(n, axis));
    n.input = (n.input ?? []).map((x) => act.get(x)?.dq ?? x);
    out.push(n);
    for (const o of n.output ?? []) if (act.has(o)) out.push(...qdqNodes(o));
  });

  /** Replaces the node's float weight (and bias) by int8 (int32) initializers read through DequantizeLinear. */
  function quantizeWeights(n: onnx.INodeProto, axis: number): onnx.INodeProto[] {
    const inputs = n.input ?? [];
    const w = readTensor(inits.get(inputs[1])!)!;
    const { q, scales } = quantizePerChannel(w.values, w.dims, axis, opts.weightQmax);
    const wq = fresh(`${inputs[1]}_int8`);
    const ws = fresh(`${inputs[1]}_scale`);
    const wz = fresh(`${inputs[1]}_zp`);
    const wdq = fresh(`${inputs[1]}_dq`);
    newInits.push(
      { name: wq, dims: w.dims, dataType: DT.INT8, rawData: new Uint8Array(q.buffer) },
      { name: ws, dims: [scales.length], dataType: DT.FLOAT, rawData: new Uint8Array(scales.buffer) },
      { name: wz, dims: [scales.length], dataType: DT.INT8, rawData: new Uint8Array(scales.length) },
    );
    const nodes: onnx.INodeProto[] = [{ opType: 'DequantizeLinear', name: fresh('DQw'), input: [wq, ws, wz], output: [wdq], attribute: [axisAttr(axis)] }];
    const next = [...inputs];
    next[1] = wdq;
    const biasName = inputs[2];
    const inputAct = act.get(inputs[0]);
    const bias = biasName ? index.constant(biasName) : null;
    if (biasName && bias && inputAct) {
      const b = quantizeBias(bias.values, inputAct.scale, scales);
      const bq = fresh(`${biasName}_int32`);
      const bs = fresh(`${biasName}_scale`);
      const bz = fresh(`${biasName}_zp`);
      const bdq = fresh(`${biasName}_dq`);
      newInits.push(
        { name: bq, dims: [b.q.length], dataType: DT.INT32, rawData: new Uint8Array(b.q.buffer) },
        { name: bs, dims: [b.scales.length], dataType: DT.FLOAT, rawData: new Uint8Array(b.scales.buffer) },
        { name: bz, dims: [b.q.length], dataType: DT.INT32, rawData: new Uint8Array(b.q.length * 4) },
      );
      nodes.push({ opType: 'DequantizeLinear', name: fresh('DQb'), input: [bq, bs, bz], output: [bdq], attribute: [axisAttr(0)] });
      next[2] = bdq;
    }
    n.input = next;
    return nodes;
  }

  graph.node = out;
  // Drop float weights nothing reads any more (they would double the file).
  const used = new Set(out.flatMap((n) => n.input ?? []));
  for (const o of graph.output ?? []) used.add(o.name ?? '');
  graph.initializer = [...(graph.initializer ?? []), ...newInits].filter((t) => used.has(t.name ?? ''));
  graph.input = (graph.input ?? []).filter((i) => !inits.has(i.name ?? '') || used.has(i.name ?? ''));
  return onnx.ModelProto.encode(copy).finish();
}

function scalar(name: string, dataType: number, raw: Uint8Array): onnx.ITensorProto {
  return { name, dims: [], dataType, rawData: raw };
}

function axisAttr(axis: number): onnx.IAttributeProto {
  return { name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: axis };
}
