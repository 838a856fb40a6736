// Messages between the extension (or CLI) and the extraction child process. Sent with
// `serialization: 'advanced'` so typed arrays and Maps cross as structured clones.
import type { ExtractProgress, ExtractRequest, ExtractResult } from './types';
import type { SpatialRequest, SpatialResult } from './spatialMaps';
import type { BulkRef } from './bulkTransfer';
import type { CropJobRequest, CropJobResult } from '../crop/cropJob';
import type { SensitivityJobRequest, SensitivityJobResult } from '../sensitivity/job';
import type { TuneJobRequest } from '../train/tuneJob';
import type { EpochRecord, MitigateResult, Schedule } from '../../core/mitigate';
import type { ModelInfo } from '../model/types';

/** An error as it crosses the process boundary. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** Parent -> child. A child serves exactly one job, then exits. */
export type ToWorker =
  | { type: 'extract'; request: ExtractRequest }
  | { type: 'spatial'; request: SpatialRequest }
  /** Core cropping: maps (cached), boxes, and the crops' pooled features with one model load (progress as 'progress'). */
  | { type: 'crop'; request: CropJobRequest }
  /** Feature sensitivity: clean + corrupted pooled features (progress as 'progress', counting inferences). */
  | { type: 'sensitivity'; request: SensitivityJobRequest }
  /** Linear-head fine-tuning with ONNX Runtime (engine/train/tuneJob.ts); one 'tune-epoch' per epoch. */
  | { type: 'tune'; request: TuneJobRequest }
  /** Loads and adapts a model and answers its description (a check that keeps ~1 s of graph work off the caller's thread). */
  | { type: 'model-info'; request: { modelPath: string } }
  | { type: 'cancel' };

/** Child -> parent. */
export type FromWorker =
  | { type: 'progress'; progress: ExtractProgress }
  /** bulk: features and logits were moved to a file (large results), see bulkTransfer.ts. */
  | { type: 'extract-result'; result: ExtractResult; bulk: BulkRef | null }
  | { type: 'spatial-result'; result: SpatialResult }
  | { type: 'crop-result'; result: CropJobResult }
  | { type: 'sensitivity-result'; result: SensitivityJobResult }
  | { type: 'tune-epoch'; record: EpochRecord; schedule: Schedule }
  | { type: 'tune-result'; result: MitigateResult }
  | { type: 'model-info-result'; result: ModelInfo }
  | { type: 'error'; error: SerializedError };

/** Compile-time exhaustiveness check for switches over message types. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message ${JSON.stringify(x)}`);
}

/** Turns any thrown value into a SerializedError. */
export function serializeError(e: unknown): SerializedError {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}

/** True when v looks like a message from the worker (the channel may carry anything). */
export function isFromWorker(v: unknown): v is FromWorker {
  const t = (v as { type?: unknown } | null)?.type;
  return t === 'progress' || t === 'extract-result' || t === 'spatial-result' || t === 'crop-result' || t === 'error' || t === 'sensitivity-result' || t === 'tune-epoch' || t === 'tune-result' || t === 'model-info-result';
}

/** True when v looks like a message to the worker. */
export function isToWorker(v: unknown): v is ToWorker {
  const t = (v as { type?: unknown } | null)?.type;
  return t === 'extract' || t === 'spatial' || t === 'crop' || t === 'cancel' || t === 'sensitivity' || t === 'tune' || t === 'model-info';
}
