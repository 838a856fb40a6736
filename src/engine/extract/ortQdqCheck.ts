// Asks this ONNX Runtime build whether it fuses a QDQ convolution into an integer kernel (QLinearConv).
import { onnx } from 'onnx-proto';
import { planQdq, rewriteQdq } from '../model/quantize/qdqGraph';

const DT = onnx.TensorProto.DataType;

/** A float32 x[1,4,6,6] -> Conv(8, 3x3) -> Relu -> Conv(4, 1x1) -> y graph, quantized by our own rewrite. */
export function probeQdqModel(): Uint8Array {
  const f32 = (name: string, dims: number[], n: number): onnx.ITensorProto => {
    const v = Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7) * 0.5);
    return { name, dims, dataType: DT.FLOAT, rawData: new Uint8Array(v.buffer) };
  };
  const vi = (name: string, dims: number[]): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: DT.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  const ints = (name: string, v: number[]): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INTS, ints: v });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'probe',
      input: [vi('x', [1, 4, 6, 6])],
      output: [vi('y', [1, 4, 4, 4])],
      initializer: [f32('W1', [8, 4, 3, 3], 288), f32('B1', [8], 8), f32('W2', [4, 8, 1, 1], 32)],
      node: [
        { opType: 'Conv', name: 'c1', input: ['x', 'W1', 'B1'], output: ['c'], attribute: [ints('kernel_shape', [3, 3])] },
        { opType: 'Relu', name: 'r1', input: ['c'], output: ['r'] },
        { opType: 'Conv', name: 'c2', input: ['r', 'W2'], output: ['y'], attribute: [ints('kernel_shape', [1, 1])] },
      ],
    },
  });
  const plan = planQdq(model);
  return rewriteQdq(model, plan, new Map([['x', { min: -1, max: 1 }], ['r', { min: 0, max: 4 }]]), { weightQmax: 63 });
}

/** The op types of a graph (to see what ONNX Runtime's optimizer made of it). */
export function opTypes(bytes: Uint8Array): Set<string> {
  return new Set((onnx.ModelProto.decode(bytes).graph?.node ?? []).map((n) => n.opType ?? ''));
}

let memo: Promise<true | string> | null = null;

/** true when ONNX Runtime turns the probe's QDQ Conv into QLinearConv; else why not. Checked once per process. */
export function ortFusesQdq(): Promise<true | string> {
  memo ??= (async () => {
    try {
      const { optimizedGraph } = await import('../native/ort');
      const ops = opTypes(await optimizedGraph(probeQdqModel()));
      return ops.has('QLinearConv') ? true : `its optimizer left ${[...ops].join(', ')} and no QLinearConv`;
    } catch (e) {
      return `it could not load a quantized graph: ${(e as Error).message}`;
    }
  })();
  return memo;
}
