import { onnx } from 'onnx-proto';
import { int64, readTensor, type ConstTensor } from './tensorData';

/** Lookup tables over one ONNX graph: which node produces a tensor, which tensors are constants. */
export class GraphIndex {
  readonly graph: onnx.IGraphProto;
  private readonly producers = new Map<string, onnx.INodeProto>();
  private readonly consumers = new Map<string, onnx.INodeProto[]>();
  private readonly initializers = new Map<string, onnx.ITensorProto>();

  constructor(graph: onnx.IGraphProto) {
    this.graph = graph;
    for (const t of graph.initializer ?? []) if (t.name) this.initializers.set(t.name, t);
    for (const n of graph.node ?? []) {
      for (const o of n.output ?? []) if (o) this.producers.set(o, n);
      for (const i of n.input ?? []) {
        if (!i) continue;
        const list = this.consumers.get(i) ?? [];
        list.push(n);
        this.consumers.set(i, list);
      }
    }
  }

  /** The node whose output is `tensor`, or undefined for graph inputs and initializers. */
  producer(tensor: string): onnx.INodeProto | undefined {
    return this.producers.get(tensor);
  }

  /** Nodes reading `tensor`. */
  consumersOf(tensor: string): onnx.INodeProto[] {
    return this.consumers.get(tensor) ?? [];
  }

  /** True when `name` is an initializer (so a graph input of that name is not a real input). */
  isInitializer(name: string): boolean {
    return this.initializers.has(name);
  }

  /** True when any initializer keeps its data in an external file (bytes alone cannot run it). */
  hasExternalData(): boolean {
    for (const t of this.initializers.values()) if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) return true;
    return false;
  }

  /** Resolves a constant tensor through initializers, Constant nodes, Identity and 2-D Transpose; null when computed from the input. */
  constant(name: string): ConstTensor | null {
    const init = this.initializers.get(name);
    if (init) return readTensor(init);
    const node = this.producers.get(name);
    if (!node) return null;
    switch (node.opType) {
      case 'Constant': return constantNodeValue(node);
      case 'Identity': return this.constant(node.input?.[0] ?? '');
      case 'Transpose': {
        const src = this.constant(node.input?.[0] ?? '');
        if (!src || src.dims.length !== 2) return null;
        const perm = attrInts(node, 'perm') ?? [1, 0];
        return perm[0] === 1 && perm[1] === 0 ? transpose2d(src) : src;
      }
      default: return null;
    }
  }

  /** A short description of whatever produces `tensor`, for error messages. */
  describe(tensor: string): string {
    const n = this.producers.get(tensor);
    if (n) return `${n.opType} node${n.name ? ` "${n.name}"` : ''}`;
    if (this.initializers.has(tensor)) return 'an initializer';
    return 'a graph input';
  }
}

/** Reads a Constant node's value (tensor or scalar/list attributes). */
function constantNodeValue(node: onnx.INodeProto): ConstTensor | null {
  for (const a of node.attribute ?? []) {
    if (a.name === 'value' && a.t) return readTensor(a.t);
    if (a.name === 'value_float') return { dims: [], values: Float64Array.of(a.f ?? 0) };
    if (a.name === 'value_floats') return { dims: [a.floats?.length ?? 0], values: Float64Array.from(a.floats ?? []) };
    if (a.name === 'value_int') return { dims: [], values: Float64Array.of(int64(a.i)) };
    if (a.name === 'value_ints') return { dims: [a.ints?.length ?? 0], values: Float64Array.from((a.ints ?? []).map(int64)) };
  }
  return null;
}

/** Transposes a 2-D constant. */
export function transpose2d(t: ConstTensor): ConstTensor {
  const [r, c] = t.dims;
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = t.values[i * c + j];
  return { dims: [c, r], values: out };
}

/** An int attribute, or `fallback` when absent. */
export function attrInt(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? int64(a.i) : fallback;
}

/** A float attribute, or `fallback` when absent. */
export function attrFloat(node: onnx.INodeProto, name: string, fallback: number): number {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? (a.f ?? fallback) : fallback;
}

/** An ints attribute, or null when absent. */
export function attrInts(node: onnx.INodeProto, name: string): number[] | null {
  const a = node.attribute?.find((x) => x.name === name);
  return a ? (a.ints ?? []).map(int64) : null;
}

/** A string attribute, or `fallback` when absent. */
export function attrString(node: onnx.INodeProto, name: string, fallback: string): string {
  const a = node.attribute?.find((x) => x.name === name);
  return a?.s ? new TextDecoder().decode(a.s) : fallback;
}
