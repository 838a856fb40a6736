// Imports Parquet feature stores (features computed elsewhere: a PyTorch GPU job, Spark, Ray, our own export) into a
// dataset's feature cache. Rows become cache shards keyed by each image's current (path, size, mtime), exactly as if
// the extraction had computed them: every command, the panel and `cache merge` then use them unchanged, the float16
// shards are half the size of float32 Parquet, and the out-of-core session's per-class column reads stay on the
// format they were tuned for. Reading the Parquet in place would have meant a second reader behind every query.
//
// Streaming: one record batch (READ_BATCH_ROWS) and one pending shard (rowsPerShard rows) in memory, plus a few
// scalars per dataset image (where its row was seen). A bad row is reported by file and row and skipped; a file that
// is not a feature store is reported and the others go on.
import { isAbsolute, relative, sep } from 'node:path';
import { FeatureCache, rowsPerShard } from '../cache/featureCache';
import { float16Table, roundThroughFloat16 } from '../cache/float16';
import type { CacheKey } from '../cache/shard';
import type { Dataset } from '../dataset/types';
import type { ModelInfo } from '../model/types';
import { modelHead } from '../analysis/headChoice';
import { pruneAnalysisIndexes } from '../analysis/streamed/analysisIndex';
import { headLogitsComputer, type LogitsComputer } from './headLogits';
import { copyFinite } from './listColumn';
import { openStore, StoreFileError, type StoreBatch } from './readStore';
import { FEATURE_STORE_SCHEMA, type StoreProblem } from './schema';

/** What to import where. */
export interface ImportRequest {
  files: string[];
  dataset: Dataset;
  /** The model the features belong to: its sha256 names the cache, its head gives missing logits, dim and classes are checked. */
  model: Pick<ModelInfo, 'sha256' | 'dim' | 'classes' | 'headWeight' | 'headBias'>;
  cacheDir: string;
  /** Rows per written shard (default: the cache's own shard size). */
  shardRows?: number;
  /** ONNX Runtime threads for logits a store lacks (default: the machine's default). */
  threads?: number;
  /** Problems kept in the report (the count covers all); default 1000. */
  maxProblems?: number;
  onProgress?(p: ImportProgress): void;
  /** Stops after the current batch (rows already written stay in the cache); the import then rejects with an AbortError. */
  signal?: AbortSignal;
}

/** Progress of an import: after each record batch. */
export interface ImportProgress {
  file: string;
  /** Index of the file in the request, and the number of files. */
  fileIndex: number;
  files: number;
  rowsRead: number;
  rowsInFile: number;
  imported: number;
}

/** The import was cancelled through its signal. */
export class ImportCancelledError extends Error {
  override name = 'AbortError';
  constructor() {
    super('feature import cancelled (the rows imported before it stay in the cache)');
  }
}

/** Per file: what was read and kept. */
export interface ImportedFile {
  /** The Parquet file, as given. */
  file: string;
  /** Rows in the file. */
  rows: number;
  /** Rows written to the feature cache. */
  imported: number;
  /** Rows skipped, each with a problem. */
  rejected: number;
  /** The file's schema id, null when another tool wrote it without ours. */
  schema: string | null;
  /** Rows whose logits came from the file; the rest were computed from the model's head. */
  logitsFromFile: number;
  /** Set when the whole file was skipped. */
  error?: string;
}

/** The outcome of an import. */
export interface ImportReport {
  files: ImportedFile[];
  /** Rows imported over all files. */
  imported: number;
  /** Rows rejected over all files. */
  rejected: number;
  /** The problems found (bad files and rows), up to the report's limit (--json lists all). */
  problems: StoreProblem[];
  /** Every problem found, listed or not. */
  problemCount: number;
  /** Dataset images no file had a row for (the analysis uses their cached features, or extracts them). */
  missing: { count: number; examples: string[] };
  /** The feature cache root the rows went into. */
  cacheDir: string;
}

/** Writing the cache (or computing logits) failed: not the store's fault, so the import stops. */
export class CacheWriteError extends Error {
  override readonly name = 'CacheWriteError';
}

const toPosix = (p: string): string => (sep === '/' ? p : p.split(sep).join('/'));

/** Imports every file into the cache of request.model under request.cacheDir; never throws for bad files or rows. */
export async function importFeatureStores(req: ImportRequest): Promise<ImportReport> {
  const { dataset, model } = req;
  const D = model.dim;
  const C = model.classes;
  const images = dataset.images;
  const byRel = new Map<string, number>();
  images.forEach((e, i) => byRel.set(e.rel, i));
  const classes = new Set(dataset.classes);
  // absolute paths in a store are matched under the folder the dataset's relative paths start from
  const base = images.length ? images[0].path.slice(0, images[0].path.length - images[0].rel.length) : dataset.root;
  const seenFile = new Int32Array(images.length).fill(-1);
  const seenRow = new Float64Array(images.length);
  const cache = await FeatureCache.open(req.cacheDir, { sha256: model.sha256, dim: D, classes: C }, { shardRows: req.shardRows });
  const R = Math.max(1, Math.floor(req.shardRows ?? rowsPerShard({ dim: D, classes: C })));
  const head = modelHead(model as ModelInfo);
  const ort: { computer: LogitsComputer | null } = { computer: null };
  const table = float16Table();
  const maxProblems = req.maxProblems ?? 1000;

  const report: ImportReport = { files: [], imported: 0, rejected: 0, problems: [], problemCount: 0, missing: { count: 0, examples: [] }, cacheDir: cache.dir };
  const problem = (p: StoreProblem) => {
    report.problemCount++;
    if (report.problems.length < maxProblems) report.problems.push(p);
  };

  // the pending shard
  const pooled = new Float32Array(R * D);
  const logits = new Float32Array(R * C);
  const needLogits: number[] = [];
  let entries: CacheKey[] = [];
  const flush = () => writePending().catch((e: Error) => { throw new CacheWriteError(e.message); });
  const writePending = async () => {
    if (entries.length === 0) return;
    const k = entries.length;
    const view = pooled.subarray(0, k * D);
    roundThroughFloat16(view); // what the cache stores, so computed logits match the stored features
    if (needLogits.length) {
      ort.computer ??= await headLogitsComputer(head, req.threads);
      await ort.computer.compute(view, needLogits, logits);
    }
    await cache.writeBatch(entries, view, logits.subarray(0, k * C));
    entries = [];
    needLogits.length = 0;
  };

  for (let f = 0; f < req.files.length; f++) {
    const file = req.files[f];
    const fr: ImportedFile = { file, rows: 0, imported: 0, rejected: 0, schema: null, logitsFromFile: 0 };
    report.files.push(fr);
    const reject = (row: number, path: string | undefined, text: string) => {
      fr.rejected++;
      problem({ file, row, ...(path !== undefined ? { path } : {}), problem: text });
    };
    try {
      const store = await openStore(file);
      fr.rows = store.info.rows;
      fr.schema = store.info.schema;
      if (fr.schema !== null && fr.schema !== FEATURE_STORE_SCHEMA && !fr.schema.startsWith('spuriosity-lens/features@1')) {
        throw new StoreFileError(`has schema ${fr.schema}; this version reads ${FEATURE_STORE_SCHEMA}`);
      }
      if (store.info.featureSize !== null && store.info.featureSize !== D) {
        throw new StoreFileError(`its features have ${store.info.featureSize} values per row, the model has ${D} features`);
      }
      for await (const b of store.batches()) {
        for (let i = 0; i < b.rows; i++) {
          const row = b.firstRow + i;
          const verdict = checkRow(b, i, D, C);
          const raw = b.path.get(i) as string | null;
          if (typeof verdict === 'string') { reject(row, raw ?? undefined, verdict); continue; }
          const rel = relOf(raw!, base);
          const idx = rel === null ? undefined : byRel.get(rel);
          if (idx === undefined) { reject(row, raw!, `path is not an image of the dataset ${dataset.root}${rel === null ? ' (absolute path outside it)' : ''}`); continue; }
          const entry = images[idx];
          if (b.cls) {
            const c = b.cls.get(i) as string | null;
            if (c !== null && c !== entry.label) {
              reject(row, raw!, classes.has(c) ? `class "${c}", but the dataset has this image in class "${entry.label}"` : `class "${c}" is not a class of the dataset (the dataset has this image in "${entry.label}")`);
              continue;
            }
          }
          if (seenFile[idx] >= 0) {
            reject(row, raw!, `duplicate: row ${seenRow[idx]} of ${req.files[seenFile[idx]]} has the same image`);
            continue;
          }
          const at = entries.length;
          const bad = copyFinite(b.features, verdict.features.start, D, pooled, at * D, table);
          if (bad >= 0) { reject(row, raw!, `features[${bad}] is ${describeBad(b.features, verdict.features.start + bad)}`); continue; }
          if (verdict.logits) {
            const badL = copyFinite(b.logits!, verdict.logits.start, C, logits, at * C, table);
            if (badL >= 0) { reject(row, raw!, `logits[${badL}] is ${describeBad(b.logits!, verdict.logits.start + badL)}`); continue; }
            fr.logitsFromFile++;
          } else needLogits.push(at);
          seenFile[idx] = f;
          seenRow[idx] = row;
          entries.push({ rel: entry.rel, size: entry.size, mtimeMs: entry.mtimeMs });
          fr.imported++;
          if (entries.length === R) await flush();
        }
        req.onProgress?.({ file, fileIndex: f, files: req.files.length, rowsRead: b.firstRow + b.rows, rowsInFile: fr.rows, imported: report.imported + fr.imported });
        if (req.signal?.aborted) throw new ImportCancelledError();
      }
    } catch (e) {
      if (e instanceof CacheWriteError) { await ort.computer?.release(); throw e; }
      if (e instanceof ImportCancelledError) {
        try { await flush(); } finally { await ort.computer?.release(); }
        await pruneAnalysisIndexes(cache.dir, '');
        throw e;
      }
      fr.error = e instanceof StoreFileError ? e.message : `could not be read: ${(e as Error).message}`;
      problem({ file, row: null, problem: fr.error });
    }
    report.imported += fr.imported;
    report.rejected += fr.rejected;
  }
  try {
    await flush();
  } finally {
    await ort.computer?.release();
  }
  // the out-of-core session's saved analysis is keyed by image path/size/mtime, not by feature values: imported rows
  // for unchanged images would leave it stale, so every saved analysis of this model's cache goes
  if (report.imported > 0) await pruneAnalysisIndexes(cache.dir, '');
  for (let i = 0; i < images.length; i++) {
    if (seenFile[i] >= 0) continue;
    report.missing.count++;
    if (report.missing.examples.length < 10) report.missing.examples.push(images[i].rel);
  }
  return report;
}

/** The spans of a row's features and logits, or what is wrong with their shape. */
function checkRow(b: StoreBatch, i: number, D: number, C: number): { features: { start: number }; logits: { start: number } | null } | string {
  if (b.path.get(i) === null) return 'path is null';
  const f = b.features.span(i);
  if (!f) return 'features is null';
  if (f.length !== D) return `features has ${f.length} values, the model has ${D} features`;
  let l: { start: number } | null = null;
  if (b.logits) {
    const s = b.logits.span(i);
    if (s) {
      if (s.length !== C) return `logits has ${s.length} values, the model has ${C} classes`;
      l = s;
    }
  }
  return { features: f, logits: l };
}

function describeBad(col: StoreBatch['features'], k: number): string {
  if (!col.valueValid(k)) return 'null';
  const v = col.format === 'f16' ? float16Table()[(col.values as Uint16Array)[k]] : col.values[k];
  return Number.isNaN(v) ? 'NaN' : Number.isFinite(v) ? `${v} (beyond float32)` : `${v}`;
}

/** The dataset-relative id of a store path: '/' separators, no leading './'; null for an absolute path outside base. */
export function relOf(raw: string, base: string): string | null {
  if (isAbsolute(raw)) {
    const r = relative(base, raw);
    if (r.startsWith('..') || isAbsolute(r)) return null;
    return toPosix(r);
  }
  return raw.replace(/\\/g, '/').replace(/^(\.\/)+/, '');
}
