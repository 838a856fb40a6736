import { readFile } from 'node:fs/promises';
import { onnx } from 'onnx-proto';
import type { LinearHead } from '../../core/types';
import { cardPathFor, readCard } from './card';
import { ModelAdaptError } from './errors';
import { GraphIndex } from './graphIndex';
import { adaptOnnx, locateHead } from './onnxGraph';
import type { ModelCard } from './types';
import { writeAtomic } from '../fs/writeAtomic';

const WEIGHT = 'spuriosity_lens.head.weight';
const BIAS = 'spuriosity_lens.head.bias';

/**
 * Returns the model with its linear head replaced by `head` (a Gemm with transB=1 computing the same logits
 * tensor), the old head's now-unused nodes and initializers removed, and output shapes updated if the class count changed.
 */
export function swapHead(bytes: Uint8Array, head: LinearHead, file: string): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new ModelAdaptError(file, 'the ONNX model has no graph');
  const index = new GraphIndex(graph);
  const { head: found, output } = locateHead(index, file);
  if (head.dim !== found.dim) throw new ModelAdaptError(file, `the new head takes ${head.dim} features but the model's head input "${found.pooled}" has ${found.dim}`);
  if (head.weight.length !== head.classes * head.dim || head.bias.length !== head.classes) {
    throw new ModelAdaptError(file, `the new head's weight (${head.weight.length} values) and bias (${head.bias.length}) do not fit ${head.classes} x ${head.dim}`);
  }
  const nodes = graph.node ?? [];
  const at = nodes.findIndex((n) => (n.output ?? []).includes(found.logits));
  const gemm: onnx.INodeProto = {
    name: 'spuriosity_lens.head', opType: 'Gemm', input: [found.pooled, WEIGHT, BIAS], output: [found.logits],
    attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
  };
  nodes.splice(at, 1, gemm);
  graph.initializer = [
    ...(graph.initializer ?? []).filter((t) => t.name !== WEIGHT && t.name !== BIAS),
    floatTensor(WEIGHT, [head.classes, head.dim], head.weight),
    floatTensor(BIAS, [head.classes], head.bias),
  ];
  pruneDead(graph);
  if (head.classes !== found.classes) {
    // Shapes recorded for the old class count would contradict the new head.
    graph.valueInfo = (graph.valueInfo ?? []).filter((v) => v.name !== found.logits && v.name !== output);
    for (const o of graph.output ?? []) {
      if (o.name !== found.logits && o.name !== output) continue;
      const dims = o.type?.tensorType?.shape?.dim;
      if (dims && dims.length === 2) dims[1] = { dimValue: head.classes };
    }
  }
  return onnx.ModelProto.encode(model).finish();
}

/** Writes the model at `modelPath` with `head` swapped in to `outPath` (atomically), and a card beside it with the source's preprocessing and the labels. */
export async function writeModelWithHead(modelPath: string, head: LinearHead, outPath: string, opts: { labels?: string[] } = {}): Promise<void> {
  const bytes = await readFile(modelPath).catch((e: NodeJS.ErrnoException) => {
    throw new ModelAdaptError(modelPath, `cannot be read (${e.code ?? e.message}); expected the ONNX model the features were extracted with`);
  });
  const swapped = swapHead(bytes, head, modelPath);
  const { graph: old } = adaptOnnx(bytes, modelPath);
  const { card: srcCard, labels: srcLabels } = await readCard(modelPath, { classes: old.classes, inputSize: old.inputSize });
  const labels = opts.labels?.length === head.classes ? opts.labels : head.classes === old.classes ? srcLabels : undefined;
  const card: ModelCard = {
    name: `${srcCard.name ?? modelPath.replace(/^.*[\\/]/, '')} (head tuned by Spuriosity Lens)`,
    preprocess: srcCard.preprocess,
    ...(labels ? { labels } : {}),
    ...(srcCard.wnids && head.classes === old.classes ? { wnids: srcCard.wnids } : {}),
    provenance: `${modelPath} with its linear head replaced${srcCard.provenance ? `; source: ${srcCard.provenance}` : ''}`,
  };
  await writeAtomic(outPath, swapped);
  await writeAtomic(cardPathFor(outPath), Buffer.from(`${JSON.stringify(card, null, 2)}\n`));
}


function floatTensor(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  const copy = Float32Array.from(values);
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(copy.buffer) };
}

/** Removes nodes whose outputs nothing reads (repeatedly) and initializers no node reads. */
function pruneDead(graph: onnx.IGraphProto): void {
  const outputs = new Set((graph.output ?? []).map((o) => o.name));
  let nodes = graph.node ?? [];
  for (;;) {
    const read = new Set(nodes.flatMap((n) => n.input ?? []));
    const kept = nodes.filter((n) => (n.output ?? []).some((o) => o && (read.has(o) || outputs.has(o))));
    if (kept.length === nodes.length) break;
    nodes = kept;
  }
  graph.node = nodes;
  const read = new Set(nodes.flatMap((n) => n.input ?? []));
  const before = graph.initializer ?? [];
  graph.initializer = before.filter((t) => read.has(t.name ?? '') || outputs.has(t.name));
  const keptNames = new Set(graph.initializer.map((t) => t.name));
  const dropped = new Set(before.map((t) => t.name).filter((n) => !keptNames.has(n)));
  // Older IRs also list initializers among the graph inputs; a removed initializer must leave there too.
  graph.input = (graph.input ?? []).filter((i) => !dropped.has(i.name));
}
