// Where core cropping's model work runs: in this process (the CLI, tests) or in a child process (the extension
// host, which must never run inference on its own thread). The analysis takes a runner, so both share one code path.
import { spatialMaps, type SpatialRequest, type SpatialResult } from '../extract/spatialMaps';
import { cropInChild, spatialMapsInChild, type ChildOptions } from '../extract/runInChild';
import type { ExtractDeps, ExtractProgress } from '../extract/types';
import { cropFeatures, type CropFeaturesRequest, type CropFeaturesResult } from './cropFeatures';

/** The two jobs core cropping needs: heatmaps of the chosen images, then features of their crops. */
export interface CropRunner {
  /** Raw spatial maps of the given features (cached on disk by spatialMaps). */
  spatialMaps(request: SpatialRequest, signal?: AbortSignal): Promise<SpatialResult>;
  /** Decodes each box region, runs the model and returns pooled features; progress per batch. */
  cropFeatures(request: CropFeaturesRequest, onProgress?: (p: ExtractProgress) => void, signal?: AbortSignal): Promise<CropFeaturesResult>;
}

/** Runs both jobs in this process (deps: fake adapters in tests; sharp + ONNX Runtime by default). */
export function inProcessCropRunner(deps?: ExtractDeps): CropRunner {
  return {
    spatialMaps: (request, signal) => spatialMaps({ ...request, deps, signal }),
    cropFeatures: (request, onProgress, signal) => cropFeatures({ ...request, deps, signal, onProgress }),
  };
}

/** Runs each job in a child process (dist/extractWorker.js); cancellation stops after the current batch. */
export function childCropRunner(child: Omit<ChildOptions, 'signal'>): CropRunner {
  return {
    spatialMaps: (request, signal) => spatialMapsInChild({ ...request, ...child, signal }),
    cropFeatures: (request, onProgress, signal) => cropInChild({ ...request, ...child, signal, onProgress }),
  };
}
