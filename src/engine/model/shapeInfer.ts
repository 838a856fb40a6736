import type { onnx } from 'onnx-proto';
import { attrInt, attrInts, attrString, type GraphIndex } from './graphIndex';
import { int64 } from './tensorData';

/** A tensor shape whose dims may be unknown (null), e.g. a dynamic batch. */
export type Shape = (number | null)[];

/** A ValueInfoProto's tensor shape, or undefined when it has none. */
export function valueInfoShape(v: onnx.IValueInfoProto | null | undefined): Shape | undefined {
  const dims = v?.type?.tensorType?.shape?.dim;
  if (!dims) return undefined;
  return dims.map((d) => (d.dimValue !== null && d.dimValue !== undefined && int64(d.dimValue) > 0 ? int64(d.dimValue) : null));
}

const SAME_SHAPE = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'Tanh', 'Clip', 'HardSigmoid', 'HardSwish', 'Elu', 'Selu', 'Celu', 'Gelu', 'Erf',
  'Softplus', 'Mish', 'Neg', 'Abs', 'Sqrt', 'Exp', 'Reciprocal', 'Cast', 'Identity', 'Dropout', 'BatchNormalization',
  'InstanceNormalization', 'LayerNormalization', 'Softmax', 'LogSoftmax', 'LRN',
]);
const BROADCAST = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean']);

/**
 * Propagates static shapes from the graph input through the ops CNN backbones use, so the spatial map's
 * h x w is known without running the model. Any op not handled leaves its outputs unknown: a shape is
 * only reported when every step to it was understood.
 */
export function inferShapes(index: GraphIndex, inputName: string, inputShape: Shape): Map<string, Shape> {
  const shapes = new Map<string, Shape>();
  for (const v of [...(index.graph.valueInfo ?? []), ...(index.graph.output ?? []), ...(index.graph.input ?? [])]) {
    const s = valueInfoShape(v);
    if (v.name && s) shapes.set(v.name, s);
  }
  for (const t of index.graph.initializer ?? []) if (t.name) shapes.set(t.name, (t.dims ?? []).map(int64));
  shapes.set(inputName, inputShape);
  for (const node of index.graph.node ?? []) {
    const out = node.output?.[0];
    if (!out || shapes.has(out)) continue;
    const s = nodeShape(node, (name) => shapes.get(name), index);
    if (s) shapes.set(out, s);
  }
  return shapes;
}

function nodeShape(node: onnx.INodeProto, get: (name: string) => Shape | undefined, index: GraphIndex): Shape | undefined {
  const ins = node.input ?? [];
  const a = get(ins[0] ?? '');
  const op = node.opType ?? '';
  if (op === 'Constant') return index.constant(node.output?.[0] ?? '')?.dims;
  if (SAME_SHAPE.has(op)) return a;
  if (BROADCAST.has(op)) return broadcast(ins.map((i) => get(i)));
  if (!a) return undefined;
  switch (op) {
    case 'Conv': {
      const w = get(ins[1] ?? '');
      if (!w || a.length !== 4) return undefined;
      return [a[0], w[0], ...windowed(node, a.slice(2), w.slice(2))];
    }
    case 'MaxPool': case 'AveragePool': case 'LpPool': {
      const k = attrInts(node, 'kernel_shape');
      if (!k || a.length !== 4) return undefined;
      return [a[0], a[1], ...windowed(node, a.slice(2), k)];
    }
    case 'GlobalAveragePool': case 'GlobalMaxPool': case 'GlobalLpPool':
      return [...a.slice(0, 2), ...a.slice(2).map(() => 1)];
    case 'ReduceMean': case 'ReduceMax': case 'ReduceSum': {
      const axes = attrInts(node, 'axes') ?? constInts(index, ins[1]);
      if (!axes) return undefined;
      const norm = axes.map((x) => (x < 0 ? x + a.length : x));
      const keep = attrInt(node, 'keepdims', 1) === 1;
      return a.flatMap((d, i) => (norm.includes(i) ? (keep ? [1] : []) : [d]));
    }
    case 'Flatten': {
      const axis = attrInt(node, 'axis', 1);
      const ax = axis < 0 ? axis + a.length : axis;
      return [product(a.slice(0, ax)), product(a.slice(ax))];
    }
    case 'Squeeze': {
      const axes = attrInts(node, 'axes') ?? constInts(index, ins[1]);
      if (!axes) return a.some((d) => d === null) ? undefined : a.filter((d) => d !== 1);
      const norm = axes.map((x) => (x < 0 ? x + a.length : x));
      return a.filter((_, i) => !norm.includes(i));
    }
    case 'Unsqueeze': {
      const axes = attrInts(node, 'axes') ?? constInts(index, ins[1]);
      if (!axes) return undefined;
      const rank = a.length + axes.length;
      const norm = axes.map((x) => (x < 0 ? x + rank : x));
      const out: Shape = [];
      let j = 0;
      for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : a[j++]);
      return out;
    }
    case 'Reshape': {
      const target = constInts(index, ins[1]);
      if (!target) return undefined;
      const dims: Shape = target.map((d, i) => (d === 0 ? (a[i] ?? null) : d === -1 ? null : d));
      const known = product(a);
      const rest = product(dims.filter((d, i) => target[i] !== -1 && d !== null) as number[]);
      const minus = target.indexOf(-1);
      if (minus >= 0 && known !== null && rest) dims[minus] = known / rest;
      return dims;
    }
    case 'Transpose': {
      const perm = attrInts(node, 'perm') ?? a.map((_, i) => a.length - 1 - i);
      return perm.map((p) => a[p] ?? null);
    }
    case 'Concat': {
      const all = ins.map((i) => get(i));
      if (all.some((s) => !s)) return undefined;
      const axis = attrInt(node, 'axis', 0);
      const ax = axis < 0 ? axis + a.length : axis;
      return a.map((d, i) => (i === ax ? sumDims((all as Shape[]).map((s) => s[i])) : d));
    }
    case 'Pad': {
      const pads = attrInts(node, 'pads') ?? constInts(index, ins[1]);
      if (!pads || pads.length !== 2 * a.length) return undefined;
      return a.map((d, i) => (d === null ? null : d + pads[i] + pads[i + a.length]));
    }
    default:
      return undefined;
  }
}

/** Output spatial size of a sliding-window op (Conv, pools), honouring pads, strides, dilations, auto_pad and ceil_mode. */
function windowed(node: onnx.INodeProto, spatial: Shape, kernel: Shape): Shape {
  const n = spatial.length;
  const strides = attrInts(node, 'strides') ?? new Array<number>(n).fill(1);
  const dil = attrInts(node, 'dilations') ?? new Array<number>(n).fill(1);
  const pads = attrInts(node, 'pads') ?? new Array<number>(2 * n).fill(0);
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  return spatial.map((h, i) => {
    const k = kernel[i];
    if (h === null || k === null || k === undefined) return null;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') return Math.ceil(h / strides[i]);
    const p = autoPad === 'VALID' ? 0 : pads[i] + pads[i + n];
    const span = h + p - dil[i] * (k - 1) - 1;
    return (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
  });
}

function broadcast(shapes: (Shape | undefined)[]): Shape | undefined {
  if (shapes.some((s) => !s)) return undefined;
  const rank = Math.max(...(shapes as Shape[]).map((s) => s.length));
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    let d: number | null = 1;
    for (const s of shapes as Shape[]) {
      const v = s[s.length - rank + i] ?? 1;
      if (v === 1) continue;
      if (v === null) { if (d === 1) d = null; continue; }
      d = v;
    }
    out.push(d);
  }
  return out;
}

function product(dims: Shape): number | null {
  let p = 1;
  for (const d of dims) { if (d === null) return null; p *= d; }
  return p;
}

function sumDims(dims: Shape): number | null {
  let s = 0;
  for (const d of dims) { if (d === null) return null; s += d; }
  return s;
}

function constInts(index: GraphIndex, name: string | undefined): number[] | null {
  if (!name) return null;
  const c = index.constant(name);
  return c ? Array.from(c.values) : null;
}
