// Where core cropping's model work runs: in this process (the CLI, tests) or in a child process (the extension
// host, which must never run inference on its own thread). The analysis takes a runner, so both share one code path.
import { cropInChild, type ChildOptions } from '../extract/runInChild';
import type { ExtractDeps, ExtractProgress } from '../extract/types';
import { runCropJob, type CropJobRequest, type CropJobResult } from './cropJob';

/** The one job core cropping needs: maps (cached), boxes and the crops' pooled features, with one model load. */
export interface CropRunner {
  /** Runs the crop job; progress counts a map and a crop per image (cropJobUnits). */
  crop(request: CropJobRequest, onProgress?: (p: ExtractProgress) => void, signal?: AbortSignal): Promise<CropJobResult>;
}

/** Runs the job in this process (deps: fake adapters in tests; sharp + ONNX Runtime by default). */
export function inProcessCropRunner(deps?: ExtractDeps): CropRunner {
  return { crop: (request, onProgress, signal) => runCropJob({ ...request, deps, signal, onProgress }) };
}

/** Runs the job in a child process (dist/extractWorker.js); cancellation stops after the current batch. */
export function childCropRunner(child: Omit<ChildOptions, 'signal'>): CropRunner {
  return { crop: (request, onProgress, signal) => cropInChild({ ...request, ...child, signal, onProgress }) };
}
