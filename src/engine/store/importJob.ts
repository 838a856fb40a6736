// The feature-store import as a job of the engine's job table: the extension runs it in its child process (the
// Parquet decode, the logits a store lacks and the cache writes stay off the extension host's thread).
import { openDataset } from '../analysis/openAnalysis';
import { loadModel } from '../model/loadModel';
import type { JobHooks } from '../runner/runner';
import { importFeatureStores, type ImportProgress, type ImportReport } from './importStore';

/** What the job needs: plain data that crosses the process boundary. */
export interface ImportJobRequest {
  files: string[];
  /** Dataset folder or manifest. */
  root: string;
  modelPath: string;
  cacheDir: string;
  threads?: number;
  maxProblems?: number;
}

/** Discovers the dataset, loads the model's description and imports the stores into its cache. */
export async function runImportJob(req: ImportJobRequest, hooks: JobHooks<ImportProgress> = {}): Promise<ImportReport & { images: number; model: { sha256: string; dim: number; classes: number } }> {
  const dataset = await openDataset(req.root, req.cacheDir);
  const { info } = await loadModel(req.modelPath);
  const report = await importFeatureStores({
    files: req.files, dataset, model: info, cacheDir: req.cacheDir, threads: req.threads, maxProblems: req.maxProblems,
    onProgress: hooks.onProgress, signal: hooks.signal,
  });
  return { ...report, images: dataset.images.length, model: { sha256: info.sha256, dim: info.dim, classes: info.classes } };
}
