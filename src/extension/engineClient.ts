// The extension's door to the engine's child processes: extraction, heatmap maps, crops and sensitivity never run on the extension host's thread.
import * as vscode from 'vscode';
import { extractInChild, modelInfoInChild, spatialMapsInChild } from '../engine/extract/runInChild';
import type { ModelChecker } from '../engine/compare/checkInputs';
import type { ExtractProgress, ExtractRequest, ExtractResult } from '../engine/extract/types';
import type { MapSource } from '../engine/render/heatmaps';
import { childCropRunner, type CropRunner } from '../engine/crop/runner';
import type { SensitivityRunner } from '../engine/sensitivity/analyze';
import { childRunner } from '../engine/sensitivity/runners';
import { childTuneRunner } from '../engine/train/childTuneRunner';
import type { OrtTuneRunner } from '../engine/train/tuneProblem';

const workerPath = (context: vscode.ExtensionContext) => vscode.Uri.joinPath(context.extensionUri, 'dist', 'extractWorker.js').fsPath;

/** Core cropping's model work (heatmaps, boxes, crop features: one model load) in a child process. */
export function cropRunner(context: vscode.ExtensionContext): CropRunner {
  return childCropRunner({ workerPath: workerPath(context) });
}

/** Compare's up-front model check (reads, hashes and adapts each graph), in a child process so the host's thread stays free. */
export function modelChecker(context: vscode.ExtensionContext): ModelChecker {
  return (modelPath) => modelInfoInChild({ modelPath, workerPath: workerPath(context) });
}

/** Feature sensitivity's decode, corrupt and infer job, in a child process. */
export function sensitivityRunner(context: vscode.ExtensionContext): SensitivityRunner {
  return childRunner({ workerPath: workerPath(context) });
}

/** Fine-tuning of large tuning sets with ONNX Runtime, in a child process. */
export function tuneRunner(context: vscode.ExtensionContext): OrtTuneRunner {
  return childTuneRunner({ workerPath: workerPath(context) });
}

/** Extracts (or loads from the cache) a dataset's features in a child process. */
export function runExtraction(context: vscode.ExtensionContext, opts: ExtractRequest & { signal?: AbortSignal; onProgress?(p: ExtractProgress): void }): Promise<ExtractResult> {
  return extractInChild({ ...opts, workerPath: workerPath(context) });
}

/** A MapSource that computes spatial maps in a child process (cached on disk by the engine). */
export function spatialMapSource(context: vscode.ExtensionContext, modelPath: string, cacheDir: string, threads?: number): MapSource {
  return async (entries, features) => {
    const r = await spatialMapsInChild({ workerPath: workerPath(context), modelPath, entries, featureIndices: features, cacheDir, threads });
    const out = new Map<string, { h: number; w: number; maps: Float32Array[] }>();
    for (const [rel, maps] of r.maps) out.set(rel, { h: r.h, w: r.w, maps });
    return out;
  };
}
