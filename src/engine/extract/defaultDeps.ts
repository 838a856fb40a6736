// The real native adapters (sharp, ONNX Runtime). Imported lazily by the pipeline so that
// tests with fake adapters never load native modules.
import { decodeInto, DEFAULT_PIXEL_LIMIT } from '../native/sharp';
import { OrtModel, defaultThreads } from '../native/ort';
import { loadModel } from '../model/loadModel';
import { loadModelWarm } from '../model/modelInfoCache';
import type { ExtractDeps } from './types';

/** sharp decoding, ONNX Runtime inference, the ONNX model adapter. */
export const defaultDeps: ExtractDeps = {
  loadModel,
  loadModelWarm,
  createModel: (adapted, info, opts) => OrtModel.create(adapted, info, opts),
  decodeInto,
  defaultThreads,
  defaultPixelLimit: DEFAULT_PIXEL_LIMIT,
  threadedDecode: true,
};
