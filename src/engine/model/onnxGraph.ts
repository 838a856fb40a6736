import { onnx } from 'onnx-proto';
import { ModelAdaptError } from './errors';
import { findHead, type HeadLocation } from './findHead';
import { GraphIndex } from './graphIndex';
import { inferShapes, valueInfoShape, type Shape } from './shapeInfer';
import { addTokenMap } from './tokenMap';

/** What adaptation learned about a classifier graph. */
export interface AdaptedGraph extends HeadLocation {
  inputName: string;
  /** The input's static spatial size when the graph fixes it (square), else null. */
  inputSize: number | null;
  /** [D, h, w] of the spatial map when known statically. */
  spatialShape: [number, number, number] | null;
}

/**
 * Decodes an ONNX classifier, locates its linear head, pooled features and spatial map, and re-encodes it
 * with those tensors as extra graph outputs so one inference can fetch any of them. `file` names the model in errors.
 */
export function adaptOnnx(bytes: Uint8Array, file: string): { adapted: Uint8Array; graph: AdaptedGraph } {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new ModelAdaptError(file, `not a readable ONNX model (${(e as Error).message}); expected an .onnx file exported by torch.onnx.export, tf2onnx or similar`);
  }
  const graph = model.graph;
  if (!graph || !graph.node || graph.node.length === 0) throw new ModelAdaptError(file, 'the ONNX model has no graph nodes');
  const index = new GraphIndex(graph);
  if (index.hasExternalData()) {
    throw new ModelAdaptError(file, 'the model keeps weights in external data files; re-save it with the weights embedded (onnx.save(model, path, save_as_external_data=False))');
  }
  const { name: inputName, shape: inputShape } = realInput(graph, index, file);
  const { head } = locateHead(index, file);

  const shapes = inferShapes(index, inputName, inputShape);
  const pooledShape = shapes.get(head.pooled);
  if (pooledShape && pooledShape.length === 2 && pooledShape[1] !== null && pooledShape[1] !== head.dim) {
    throw new ModelAdaptError(file, `the head weight expects ${head.dim} features but its input "${head.pooled}" has ${pooledShape[1]}`);
  }
  let spatialShape: [number, number, number] | null = null;
  const s = head.spatial ? shapes.get(head.spatial) : undefined;
  if (s && s.length === 4 && s[1] === head.dim && s[2] !== null && s[3] !== null) spatialShape = [head.dim, s[2], s[3]];
  if (head.spatial && s && (s.length !== 4 || (s[1] !== null && s[1] !== head.dim))) {
    head.notes.push(`the pooled map "${head.spatial}" has shape [${s.map((d) => d ?? '?')}], not N x ${head.dim} x h x w: spatial maps are unavailable`);
    head.spatial = null;
  }
  if (!head.spatial) spatialShape = tokenMapFor(model, index, shapes, head, inputShape[2] !== null && inputShape[3] !== null) ?? spatialShape;

  const batch = inputShape[0] === null ? { dimParam: 'batch' } : { dimValue: inputShape[0] };
  addOutput(graph, head.pooled, [batch, { dimValue: head.dim }]);
  addOutput(graph, head.logits, [batch, { dimValue: head.classes }]);
  if (head.spatial) {
    const hw = spatialShape ? [{ dimValue: spatialShape[1] }, { dimValue: spatialShape[2] }] : [{ dimParam: 'spatial_h' }, { dimParam: 'spatial_w' }];
    addOutput(graph, head.spatial, [batch, { dimValue: head.dim }, ...hw]);
  }
  const h = inputShape[2];
  const inputSize = h !== null && h === inputShape[3] ? h : null;
  const adapted = onnx.ModelProto.encode(model).finish();
  return { adapted, graph: { ...head, inputName, inputSize, spatialShape } };
}

/** For a class-token transformer, adds its token map as the spatial map (head.spatial) and returns its shape; a refusal becomes a note. */
function tokenMapFor(model: onnx.ModelProto, index: GraphIndex, shapes: Map<string, Shape>, head: HeadLocation, fixedInput: boolean): [number, number, number] | null {
  const opset = model.opsetImport.find((o) => !o.domain || o.domain === 'ai.onnx')?.version;
  const found = addTokenMap(model.graph!, index, shapes, head.pooled, head.dim, opset === undefined || opset === null ? 1 : Number(opset), fixedInput);
  if (!found) return null;
  // A class-token model has no global pooling by design: the pooling note does not apply to it.
  head.notes = head.notes.filter((n) => !n.startsWith('no GlobalAveragePool'));
  if ('why' in found) {
    head.notes.push(`class-token model: ${found.why}`);
    return null;
  }
  const [d, h, w] = found.shape;
  const prefix = found.prefix === null ? '' : `, ${found.prefix} non-patch token${found.prefix === 1 ? '' : 's'} dropped`;
  head.notes.push(`class-token model (the head reads token ${found.classToken}): heatmaps are token maps, the ${h} x ${w} patch tokens' values of the ${d} features after the final norm${prefix}`);
  head.spatial = found.spatial;
  return found.shape;
}

/** Finds the head behind the first graph output that has one; the error for the first output when none does. */
export function locateHead(index: GraphIndex, file: string): { head: HeadLocation; output: string } {
  const outputs = (index.graph.output ?? []).map((o) => o.name ?? '').filter(Boolean);
  if (outputs.length === 0) throw new ModelAdaptError(file, 'the graph declares no outputs; expected one output of logits');
  let firstError: unknown = null;
  for (const output of outputs) {
    try {
      return { head: findHead(index, output, file), output };
    } catch (e) {
      firstError ??= e;
    }
  }
  throw firstError;
}

/** The one graph input that is not an initializer: N x 3 x H x W float32. */
function realInput(graph: onnx.IGraphProto, index: GraphIndex, file: string): { name: string; shape: Shape } {
  const inputs = (graph.input ?? []).filter((i) => i.name && !index.isInitializer(i.name));
  if (inputs.length !== 1) {
    throw new ModelAdaptError(file, `the graph has ${inputs.length} inputs (${inputs.map((i) => `"${i.name}"`).join(', ')}); expected exactly one image input N x 3 x H x W`);
  }
  const input = inputs[0];
  const name = input.name ?? '';
  const elem = input.type?.tensorType?.elemType;
  if (elem !== onnx.TensorProto.DataType.FLOAT) {
    throw new ModelAdaptError(file, `input "${name}" has element type ${onnx.TensorProto.DataType[elem ?? 0] ?? elem}; expected FLOAT (float32)`);
  }
  const shape = valueInfoShape(input) ?? [null, 3, null, null];
  if (shape.length !== 4 || (shape[1] !== null && shape[1] !== 3)) {
    throw new ModelAdaptError(file, `input "${name}" has shape [${shape.map((d) => d ?? '?')}]; expected N x 3 x H x W (RGB images)`);
  }
  if (shape[2] !== null && shape[3] !== null && shape[2] !== shape[3]) {
    throw new ModelAdaptError(file, `input "${name}" is ${shape[2]} x ${shape[3]}; expected a square input (images are center-cropped to crop x crop)`);
  }
  return { name, shape };
}

/** Declares `tensor` a float graph output, moving any value_info entry for it (an output must not also be value_info). */
function addOutput(graph: onnx.IGraphProto, tensor: string, dims: onnx.TensorShapeProto.IDimension[]): void {
  if ((graph.output ?? []).some((o) => o.name === tensor)) return;
  graph.valueInfo = (graph.valueInfo ?? []).filter((v) => v.name !== tensor);
  graph.output = [...(graph.output ?? []), onnx.ValueInfoProto.create({
    name: tensor,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims } } },
  })];
}
