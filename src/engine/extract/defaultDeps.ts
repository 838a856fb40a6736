// The real native adapters (sharp, ONNX Runtime). Imported lazily by the pipeline so that tests with fake adapters
// never load native modules; ONNX Runtime itself loads only when a model is created (and sharp on the first
// decode, see native/sharp.ts), so a run whose features are all cached loads neither.
import { availableParallelism } from 'node:os';
import { decodeInto, DEFAULT_PIXEL_LIMIT } from '../native/sharp';
import { loadModel } from '../model/loadModel';
import { loadModelWarm } from '../model/modelInfoCache';
import type { ExtractDeps } from './types';

/** sharp decoding, ONNX Runtime inference, the ONNX model adapter. */
export const defaultDeps: ExtractDeps = {
  loadModel,
  loadModelWarm,
  createModel: async (adapted, info, opts) => (await import('../native/ort')).OrtModel.create(adapted, info, opts),
  decodeInto,
  // native/ort's defaultThreads (cores - 1, at least 1), without loading ONNX Runtime to ask.
  defaultThreads: () => Math.max(1, availableParallelism() - 1),
  defaultPixelLimit: DEFAULT_PIXEL_LIMIT,
  threadedDecode: true,
};
