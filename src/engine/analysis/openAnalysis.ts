// The engine's one entry from "a dataset folder and a model" to "an analysis": discover -> leave out our own cache
// folder -> extract (cache-first, through the caller's runner) -> open that model's labels -> analyse. The CLI, the
// extension and model comparison all open an analysis through here.
import { discoverDataset, type DiscoverOptions } from '../dataset/discover';
import type { Dataset } from '../dataset/types';
import { withoutSkippedUnder } from '../dataset/withoutFolder';
import { extract } from '../extract/pipeline';
import type { ExtractProgress, ExtractRequest, ExtractResult } from '../extract/types';
import type { ModelInfo } from '../model/types';
import type { LabelStore } from './labels';
import type { Runner } from '../runner/runner';
import { AnalysisSession, type AnalysisOptions } from './session';

/** Runs one extraction: `extract` in-process by default; the extension passes the job worker's (engine/jobs). */
export type ExtractRunner = Runner<ExtractRequest, ExtractResult, ExtractProgress>;

/** Runs `extract` in this process. */
export const extractInProcess: ExtractRunner = (request, hooks = {}) => extract({ ...request, ...hooks });

/** Discovers a dataset folder or manifest; a cache folder inside it is ours, not a skipped user file, so it is left out. */
export async function openDataset(root: string, cacheDir: string, opts: DiscoverOptions = {}): Promise<Dataset> {
  return withoutSkippedUnder(await discoverDataset(root, opts), cacheDir);
}

/** What openAnalysis needs: a discovered dataset (openDataset), the model, where features are cached, and how labels open. */
export interface OpenAnalysisRequest<S extends LabelStore = LabelStore> extends ExtractRequest {
  /** Opens the label store of the extracted model (labels are kept per model sha256). */
  openLabels(model: ModelInfo): Promise<S>;
  options?: AnalysisOptions;
  /** Extraction runner (default: in this process). */
  runExtract?: ExtractRunner;
  signal?: AbortSignal;
  onProgress?(p: ExtractProgress): void;
}

/** An opened analysis and the extraction and label store behind it. */
export interface OpenedAnalysis<S extends LabelStore = LabelStore> {
  dataset: Dataset;
  extraction: ExtractResult;
  labelStore: S;
  session: AnalysisSession;
}

/**
 * Extracts (cache-first) and analyses one dataset under one model. The analysis hands the event loop back between
 * its stages (the extension host must not stall); the result is the same as a one-go analysis.
 */
export async function openAnalysis<S extends LabelStore>(req: OpenAnalysisRequest<S>): Promise<OpenedAnalysis<S>> {
  const { openLabels, options, runExtract, signal, onProgress, ...request } = req;
  const extraction = await (runExtract ?? extractInProcess)(request, { signal, onProgress });
  const labelStore = await openLabels(extraction.model);
  const session = await AnalysisSession.open(request.dataset, extraction, labelStore, options);
  return { dataset: request.dataset, extraction, labelStore, session };
}
