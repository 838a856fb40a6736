// The extension's door to the engine's child processes: every job of engine/jobs/table.ts (extraction, heatmap maps,
// crops, sensitivity, fine-tuning, model checks) runs in dist/jobWorker.js, never on the extension host's thread.
import * as vscode from 'vscode';
import {
  childRunner, type JobName, type ProgressOf, type RequestOf, type ResultOf, type Runner, type ModelChecker,
  type CropRunner, type SensitivityRunner, type OrtTuneRunner,
} from '../engine/api/jobs';
import type { ExtractProgress, ExtractRequest, ExtractResult } from '../engine/api/extraction';
import type { MapSource } from '../engine/api/stores';

/** Job `name` in a child process started from the extension's bundled worker. */
export function jobRunner<N extends JobName>(context: vscode.ExtensionContext, name: N): Runner<RequestOf<N>, ResultOf<N>, ProgressOf<N>> {
  return childRunner(name, { workerPath: vscode.Uri.joinPath(context.extensionUri, 'dist', 'jobWorker.js').fsPath });
}

/** Core cropping's model work (heatmaps, boxes, crop features: one model load) in a child process. */
export function cropRunner(context: vscode.ExtensionContext): CropRunner {
  return jobRunner(context, 'crop');
}

/** Compare's up-front model check (reads, hashes and adapts each graph), in a child process so the host's thread stays free. */
export function modelChecker(context: vscode.ExtensionContext): ModelChecker {
  return jobRunner(context, 'model-info');
}

/** Feature sensitivity's decode, corrupt and infer job, in a child process. */
export function sensitivityRunner(context: vscode.ExtensionContext): SensitivityRunner {
  return jobRunner(context, 'sensitivity');
}

/** Fine-tuning of large tuning sets with ONNX Runtime, in a child process. */
export function tuneRunner(context: vscode.ExtensionContext): OrtTuneRunner {
  return jobRunner(context, 'tune');
}

/** Extracts (or loads from the cache) a dataset's features in a child process. */
export function runExtraction(context: vscode.ExtensionContext, opts: ExtractRequest & { signal?: AbortSignal; onProgress?(p: ExtractProgress): void }): Promise<ExtractResult> {
  const { signal, onProgress, ...request } = opts;
  return jobRunner(context, 'extract')(request, { signal, onProgress });
}

/** A MapSource that computes spatial maps in a child process (cached on disk by the engine). */
export function spatialMapSource(context: vscode.ExtensionContext, modelPath: string, cacheDir: string, threads?: number): MapSource {
  const spatial = jobRunner(context, 'spatial');
  return (request, hooks) => spatial({ ...request, modelPath, cacheDir, threads }, hooks);
}
