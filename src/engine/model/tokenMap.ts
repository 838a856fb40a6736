// Token maps for class-token transformers (ViT, DeiT, register models): the head reads one token after the last
// block and its final norm; the patch tokens at that point, reshaped to the patch grid, play the CNN map's part.
import { onnx } from 'onnx-proto';
import { attrInt, attrInts, type GraphIndex } from './graphIndex';
import type { Shape } from './shapeInfer';
import { int64 } from './tensorData';

/**
 * A token map added to the graph: its output name and [D, gridH, gridW]. Feature i of each patch token after the final
 * norm, times the sign of the class token's value of feature i on the same image (see docs/token-maps.md).
 */
export interface TokenMap {
  spatial: string;
  shape: [number, number, number];
  /** Tokens before the patch tokens (class, distillation, registers), when the graph states them. */
  prefix: number | null;
  /** Which token the head reads. */
  classToken: number;
}

/** Why a class-token graph gets no token map (the reason names the node or input at fault). */
export interface TokenMapRefusal {
  why: string;
}

// Ops that only drop the singleton token axis on the way from the selected token to the head.
const RESHAPES = new Set(['Flatten', 'Reshape', 'Squeeze', 'Identity', 'Dropout']);
// Per-token ops allowed between the token selection and the head (a LayerNorm after the selection, written out or
// as one node): they act on the last axis only, so applying them to every token gives each token's features.
const PER_TOKEN = new Set(['LayerNormalization', 'ReduceMean', 'Sub', 'Pow', 'Add', 'Sqrt', 'Div', 'Mul', 'Cast', 'Identity', 'Dropout']);
/** The added output; renamed when what it holds changes, so map stores keyed by it never serve an older kind of map. */
export const TOKEN_MAP_OUTPUT = 'spuriosity_oriented_token_map';
const OUT = TOKEN_MAP_OUTPUT;
const INT64_MAX = 9223372036854775807n;

/**
 * Finds the class-token selection feeding the head input `features` and the patch embedding whose tokens it sits
 * among, and appends nodes that output the patch tokens as N x D x gridH x gridW. Null when the head does not read
 * one token of a token sequence (not a class-token model); a refusal naming the cause when it does but the map cannot be built.
 */
export function addTokenMap(graph: onnx.IGraphProto, index: GraphIndex, shapes: Map<string, Shape>, features: string, dim: number, opset: number, fixedInput: boolean): TokenMap | TokenMapRefusal | null {
  const sel = findSelection(index, shapes, features);
  if (!sel) return null;
  if ('why' in sel) return sel;
  const embed = findPatchEmbedding(index, shapes, sel.tokens, fixedInput);
  if ('why' in embed) return embed;
  const [gh, gw] = embed.grid;
  if (embed.channels !== dim) return { why: `the patch embedding "${embed.conv}" makes ${embed.channels}-wide tokens but the head reads ${dim} features: token maps are unavailable` };
  if (embed.prefix !== null && sel.index >= embed.prefix) return { why: `the head reads token ${sel.index}, a patch token (the graph puts ${embed.prefix} tokens before the patches): token maps are unavailable` };
  if (opset < 10) return { why: `the model's opset is ${opset}; token maps need opset 10 or later (Slice with tensor inputs)` };

  const nodes: onnx.INodeProto[] = [];
  const consts: onnx.ITensorProto[] = [];
  const tokens = clonePerToken(sel, nodes);
  const c = (name: string, values: bigint[]): string => {
    consts.push({ name: `${OUT}/${name}`, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, rawData: new Uint8Array(BigInt64Array.from(values).buffer) });
    return `${OUT}/${name}`;
  };
  // The patch tokens are the last gh * gw (the embedding is the Concat's last input), whatever precedes them.
  nodes.push(
    { opType: 'Slice', name: `${OUT}/patches`, input: [tokens, c('starts', [BigInt(-gh * gw)]), c('ends', [INT64_MAX]), c('axes', [1n])], output: [`${OUT}/patches`] },
    { opType: 'Transpose', name: `${OUT}/transpose`, input: [`${OUT}/patches`], output: [`${OUT}/channels`], attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 2, 1] }] },
    { opType: 'Reshape', name: `${OUT}/grid`, input: [`${OUT}/channels`, c('shape', [0n, BigInt(dim), BigInt(gh), BigInt(gw)])], output: [`${OUT}/signed`] },
    // Oriented by the class token: feature i of every patch times the sign of the class token's own value of it (a
    // zero counts as +1), so the map is positive where a patch carries the value the head reads, in its direction.
    { opType: 'Less', name: `${OUT}/negative`, input: [features, `${OUT}/zero`], output: [`${OUT}/negative`] },
    { opType: 'Where', name: `${OUT}/sign`, input: [`${OUT}/negative`, `${OUT}/minus_one`, `${OUT}/one`], output: [`${OUT}/sign`] },
    { opType: 'Reshape', name: `${OUT}/sign_grid`, input: [`${OUT}/sign`, c('sign_shape', [0n, BigInt(dim), 1n, 1n])], output: [`${OUT}/sign_grid`] },
    { opType: 'Mul', name: `${OUT}/orient`, input: [`${OUT}/signed`, `${OUT}/sign_grid`], output: [OUT] },
  );
  for (const [name, v] of [['zero', 0], ['one', 1], ['minus_one', -1]] as const) {
    consts.push({ name: `${OUT}/${name}`, dims: [], dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.of(v).buffer) });
  }
  graph.node = [...(graph.node ?? []), ...nodes];
  graph.initializer = [...(graph.initializer ?? []), ...consts];
  return { spatial: OUT, shape: [dim, gh, gw], prefix: embed.prefix, classToken: sel.index };
}

interface Selection {
  /** N x T x D: the tensor one token is taken from. */
  tokens: string;
  /** The selected token's index. */
  index: number;
  /** The selection's output (N x D or N x 1 x D). */
  selected: string;
  /** Per-token and reshape nodes between the selection and the head input, in graph order. */
  between: onnx.INodeProto[];
  features: string;
}

/** Walks back from the head input through per-token ops and reshapes to a Gather or Slice taking one token on axis 1. */
function findSelection(index: GraphIndex, shapes: Map<string, Shape>, features: string): Selection | TokenMapRefusal | null {
  const between = new Set<onnx.INodeProto>();
  let found: { node: onnx.INodeProto; tokens: string; index: number } | null = null;
  const stack = [features];
  const seen = new Set<string>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const n = index.producer(t);
    if (!n || index.constant(t)) continue;
    if (n.opType === 'Constant') continue;
    const taken = takesOneToken(index, n);
    if (taken) {
      if (found && found.node !== n) return null;
      found = { node: n, ...taken };
      continue;
    }
    if (!RESHAPES.has(n.opType ?? '') && !PER_TOKEN.has(n.opType ?? '')) return null;
    if (between.size >= 64) return null;
    const axisWhy = lastAxisOnly(n, shapes);
    if (axisWhy) return { why: axisWhy };
    between.add(n);
    for (const i of n.input ?? []) if (i) stack.push(i);
  }
  if (!found) return null;
  const order = new Map((index.graph.node ?? []).map((n, i) => [n, i]));
  const sorted = [...between].sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return { tokens: found.tokens, index: found.index, selected: found.node.output?.[0] ?? '', between: sorted, features };
}

/** The token a Gather (axis 1, one constant index) or Slice (axis 1, one step wide) takes, or null. */
function takesOneToken(index: GraphIndex, n: onnx.INodeProto): { tokens: string; index: number } | null {
  const [data, a, b, axesName, steps] = n.input ?? [];
  if (n.opType === 'Gather' && attrInt(n, 'axis', 0) === 1) {
    const idx = index.constant(a);
    if (idx && idx.values.length === 1 && idx.values[0] >= 0) return { tokens: data, index: idx.values[0] };
  }
  if (n.opType === 'Slice') {
    const starts = index.constant(a)?.values;
    const ends = index.constant(b)?.values;
    const axes = axesName ? index.constant(axesName)?.values : undefined;
    const step = steps ? index.constant(steps)?.values : undefined;
    if (starts?.length === 1 && ends?.length === 1 && axes?.length === 1 && axes[0] === 1 && (!step || step[0] === 1) && starts[0] >= 0 && ends[0] === starts[0] + 1) {
      return { tokens: data, index: starts[0] };
    }
  }
  return null;
}

/** Null when a reducing or normalising op works on the last axis only (so it applies per token), else why not. */
function lastAxisOnly(n: onnx.INodeProto, shapes: Map<string, Shape>): string | null {
  const rank = shapes.get(n.input?.[0] ?? '')?.length;
  const last = (axes: number[]) => axes.length === 1 && (axes[0] === -1 || (rank !== undefined && axes[0] === rank - 1));
  if (n.opType === 'ReduceMean' && (!last(attrInts(n, 'axes') ?? []) || attrInt(n, 'keepdims', 1) !== 1)) {
    return `the ReduceMean node "${n.name ?? ''}" between the class token and the head does not reduce over the feature axis alone: token maps are unavailable`;
  }
  if (n.opType === 'LayerNormalization' && !last([attrInt(n, 'axis', -1)])) {
    return `the LayerNormalization node "${n.name ?? ''}" between the class token and the head normalises more than the feature axis: token maps are unavailable`;
  }
  return null;
}

/** Applies the per-token ops between the selection and the head to all tokens (copies with renamed outputs); returns the result's name. */
function clonePerToken(sel: Selection, nodes: onnx.INodeProto[]): string {
  const rename = new Map<string, string>([[sel.selected, sel.tokens]]);
  for (const n of sel.between) {
    const out = n.output?.[0] ?? '';
    // Reshapes only drop the singleton token axis; on all tokens they are skipped.
    if (RESHAPES.has(n.opType ?? '') && n.opType !== 'Identity' && n.opType !== 'Dropout') {
      rename.set(out, rename.get(n.input?.[0] ?? '') ?? n.input?.[0] ?? '');
      continue;
    }
    const name = `${OUT}/all/${out}`;
    const attribute = (n.attribute ?? []).map((a) => {
      if (n.opType === 'ReduceMean' && a.name === 'axes') return { ...a, ints: [-1] };
      if (n.opType === 'LayerNormalization' && a.name === 'axis') return { ...a, i: -1 };
      return a;
    });
    nodes.push({ ...n, name: `${OUT}/all/${n.name ?? out}`, input: (n.input ?? []).map((i) => rename.get(i) ?? i), output: [name], attribute });
    rename.set(out, name);
  }
  return rename.get(sel.features) ?? sel.tokens;
}

interface PatchEmbedding {
  conv: string;
  channels: number;
  grid: [number, number];
  prefix: number | null;
}

const TO_CONCAT = new Set(['Add', 'Identity', 'Dropout']);

/** The Conv whose flattened, transposed output is the last input of the token Concat (axis 1) that `tokens` derives from. */
function findPatchEmbedding(index: GraphIndex, shapes: Map<string, Shape>, tokens: string, fixedInput: boolean): PatchEmbedding | TokenMapRefusal {
  const ancestors = ancestorNodes(index, tokens);
  const found: PatchEmbedding[] = [];
  for (const conv of index.graph.node ?? []) {
    if (conv.opType !== 'Conv' || !ancestors.has(conv)) continue;
    const flat = single(index, conv.output?.[0], (n) => n.opType === 'Reshape' || n.opType === 'Flatten');
    const tr = flat && single(index, flat.output?.[0], (n) => n.opType === 'Transpose' && (attrInts(n, 'perm') ?? []).join() === '0,2,1');
    if (!tr) continue;
    let t = tr.output?.[0] ?? '';
    let concat: onnx.INodeProto | undefined;
    for (let step = 0; step < 4 && !concat; step++) {
      const next = index.consumersOf(t).filter((n) => ancestors.has(n) && n.opType !== 'Shape');
      if (next.length !== 1) break;
      if (next[0].opType === 'Concat') concat = next[0];
      else if (TO_CONCAT.has(next[0].opType ?? '')) t = next[0].output?.[0] ?? '';
      else break;
    }
    const name = conv.name || conv.output?.[0] || '';
    const s = shapes.get(conv.output?.[0] ?? '');
    if (!concat) {
      // A Conv feeding the tokens directly (no class token joined to them) is no patch embedding of a class-token model.
      continue;
    }
    const axis = attrInt(concat, 'axis', 0);
    const ins = concat.input ?? [];
    if (axis !== 1 && axis !== -2) continue;
    if (ins[ins.length - 1] !== t) return { why: `the token Concat "${concat.name ?? ''}" does not put the patch tokens of "${name}" last: token maps are unavailable` };
    if (!s || s.length !== 4 || s[1] === null || s[2] === null || s[3] === null) {
      return fixedInput
        ? { why: `the patch grid of "${name}" could not be inferred from the graph (an op on the way from the input is not shape-inferred): token maps are unavailable` }
        : { why: `the patch grid of "${name}" is not fixed by the graph (the model takes a dynamic input size): token maps (heatmaps) are unavailable; export it with a fixed input size` };
    }
    found.push({ conv: name, channels: s[1], grid: [s[2], s[3]], prefix: prefixTokens(index, shapes, ins.slice(0, -1)) });
  }
  if (found.length === 0) return { why: 'no patch embedding (Conv -> flatten -> transpose -> Concat with the class token) was found: token maps are unavailable' };
  if (found.length > 1) return { why: `${found.length} patch embeddings (${found.map((f) => `"${f.conv}"`).join(', ')}) feed the tokens: token maps are unavailable` };
  return found[0];
}

/** The one consumer of `tensor` when it matches, else undefined. */
function single(index: GraphIndex, tensor: string | null | undefined, ok: (n: onnx.INodeProto) => boolean): onnx.INodeProto | undefined {
  const c = index.consumersOf(tensor ?? '').filter((n) => n.opType !== 'Shape');
  return c.length === 1 && ok(c[0]) ? c[0] : undefined;
}

/** How many tokens the Concat's other inputs hold (class, distillation, registers), traced to their parameters; null when unknown. */
function prefixTokens(index: GraphIndex, shapes: Map<string, Shape>, inputs: string[]): number | null {
  let total = 0;
  for (let t of inputs) {
    for (let n = index.producer(t); n && ['Expand', 'Tile', 'Identity', 'Cast'].includes(n.opType ?? ''); n = index.producer(t)) t = n.input?.[0] ?? '';
    const dims = index.constant(t)?.dims ?? shapes.get(t);
    const k = dims && dims.length === 3 ? dims[1] : null;
    if (k === null || k === undefined) return null;
    total += int64(k);
  }
  return total;
}

function ancestorNodes(index: GraphIndex, tensor: string): Set<onnx.INodeProto> {
  const out = new Set<onnx.INodeProto>();
  const stack = [tensor];
  const seen = new Set<string>();
  while (stack.length) {
    const t = stack.pop()!;
    if (seen.has(t)) continue;
    seen.add(t);
    const n = index.producer(t);
    if (!n || out.has(n)) continue;
    out.add(n);
    for (const i of n.input ?? []) if (i) stack.push(i);
  }
  return out;
}
