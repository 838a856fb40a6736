// The table of jobs the engine runs in a child process or in this one: a job's name -> its request, progress and
// result types, the words its messages use, and how it runs. Adding a job is one row here (its request, result and
// run function stay in the job's own folder) and, for a caller, one runner from inProcessRunner or childRunner.
import type { JobHooks } from '../runner/runner';
import { extract } from '../extract/pipeline';
import { extractForTransfer } from '../extract/transferExtract';
import { BULK_THRESHOLD, unpackResult, type BulkRef } from '../extract/bulkTransfer';
import { spatialMaps, type SpatialRequest, type SpatialResult } from '../extract/spatialMaps';
import type { ExtractDeps, ExtractProgress, ExtractRequest, ExtractResult } from '../extract/types';
import { runCropJob, type CropJobRequest, type CropJobResult } from '../crop/cropJob';
import { runSensitivityJob, type SensitivityJobRequest, type SensitivityJobResult } from '../sensitivity/job';
import { runMaskScoreJob, type MaskScoreRequest, type MaskScoreResult } from '../masks/maskScoreJob';
import { runTuneJob, type TuneJobRequest } from '../train/tuneJob';
import type { TuneEpoch } from '../train/tuneProblem';
import type { MitigateResult } from '../../core/mitigate';
import { loadModel } from '../model/loadModel';
import { runSessionJob, type SessionJobRequest, type SessionProgress } from '../analysis/streamed/sessionJob';
import type { ModelInfo } from '../model/types';
import { runImportJob, type ImportJobRequest } from '../store/importJob';
import type { ImportProgress } from '../store/importStore';

/** What a job's run gets: the caller's hooks, plus the native adapters (fakes in tests; sharp + ONNX Runtime when absent). */
export interface JobContext<P> extends JobHooks<P> {
  deps?: ExtractDeps;
}

/** One job: `Wire` is its result as it crosses the process boundary when that differs from `Res` (serve, then receive). */
export interface Job<Req, Res, P, Wire = Res> {
  /** The job in messages: "the <what> worker was killed", "<what> cancelled". */
  what: string;
  /** Said after a crash message when a rerun resumes from what the job already stored. */
  onCrash?: string;
  run(request: Req, ctx: JobContext<P>): Promise<Res>;
  /** The child's side when the result travels in another form (default: run). */
  serve?(request: Req, ctx: JobContext<P>): Promise<Wire>;
  /** The parent's side of `serve`: the result back from its wire form. */
  receive?(wire: Wire): Promise<Res>;
}

const job = <Req, Res, P = never, Wire = Res>(j: Job<Req, Res, P, Wire>): Job<Req, Res, P, Wire> => j;

/** SPURIOSITY_BULK_THRESHOLD (bytes) overrides when an extraction's result goes through a file; tests set it to 0. */
function bulkThreshold(): number {
  const v = Number(process.env.SPURIOSITY_BULK_THRESHOLD);
  return process.env.SPURIOSITY_BULK_THRESHOLD !== undefined && Number.isFinite(v) && v >= 0 ? v : BULK_THRESHOLD;
}

/** Every job by name. */
export const JOBS = {
  /** Pooled features and logits of a dataset (cache-first); large results come back through a transfer file. */
  extract: job<ExtractRequest, ExtractResult, ExtractProgress, { result: ExtractResult; bulk: BulkRef | null }>({
    what: 'extraction',
    onCrash: 'Finished batches are cached; run again to resume.',
    run: (request, ctx) => extract({ ...request, ...ctx }),
    serve: (request, ctx) => extractForTransfer({ ...request, ...ctx }, bulkThreshold()),
    receive: ({ result, bulk }) => unpackResult(result, bulk),
  }),
  /** Spatial maps of some features on some images, for heatmaps (stored on disk). */
  spatial: job<SpatialRequest, SpatialResult>({
    what: 'heatmap',
    run: (request, { deps, signal }) => spatialMaps({ ...request, deps, signal }),
  }),
  /** Core cropping: maps (stored), boxes, and the crops' pooled features with one model load. */
  crop: job<CropJobRequest, CropJobResult, ExtractProgress>({
    what: 'core-cropping',
    run: (request, ctx) => runCropJob({ ...request, ...ctx }),
  }),
  /** Feature sensitivity: clean and corrupted pooled features (progress counts inferences). */
  sensitivity: job<SensitivityJobRequest, SensitivityJobResult, ExtractProgress>({
    what: 'sensitivity',
    run: (request, ctx) => runSensitivityJob({ ...request, ...ctx }),
  }),
  /** Automatic feature labeling: per (class, top feature) the share of NAM mass on the object masks (maps stored as for heatmaps). */
  'mask-score': job<MaskScoreRequest, MaskScoreResult, ExtractProgress>({
    what: 'mask-scoring',
    run: (request, ctx) => runMaskScoreJob({ ...request, ...ctx }),
  }),
  /** Linear-head fine-tuning with ONNX Runtime (engine/train owns the request); progress is one TuneEpoch per epoch. */
  tune: job<TuneJobRequest, MitigateResult, TuneEpoch>({
    what: 'fine-tuning',
    run: (request, { signal, onProgress }) =>
      runTuneJob(request, { signal: signal ?? new AbortController().signal, onEpoch: (record, schedule) => onProgress?.({ record, schedule }) }),
  }),
  /** The out-of-core analysis session, open until cancelled: answers the host's queries as progress (analysis/streamed/sessionJob). */
  session: job<SessionJobRequest, null, SessionProgress>({
    what: 'analysis session',
    run: (request, ctx) => runSessionJob(request, ctx),
  }),
  /** Parquet feature stores into a dataset's feature cache (engine/store). */
  'features-import': job<ImportJobRequest, Awaited<ReturnType<typeof runImportJob>>, ImportProgress>({
    what: 'feature import',
    onCrash: 'Rows imported before the crash are cached; import again to finish.',
    run: (request, ctx) => runImportJob(request, ctx),
  }),
  /** Loads and adapts a model and answers its description; no inference session is created. */
  'model-info': job<{ modelPath: string }, ModelInfo>({
    what: 'model-check',
    run: async ({ modelPath }, { deps }) => (await (deps?.loadModel ?? loadModel)(modelPath)).info,
  }),
};

/** A job's name. */
export type JobName = keyof typeof JOBS;
type Spec<N extends JobName> = (typeof JOBS)[N];
/** A job's request. */
export type RequestOf<N extends JobName> = Spec<N> extends Job<infer Req, unknown, unknown, unknown> ? Req : never;
/** A job's result. */
export type ResultOf<N extends JobName> = Spec<N> extends Job<unknown, infer Res, unknown, unknown> ? Res : never;
/** A job's progress. */
export type ProgressOf<N extends JobName> = Spec<N> extends Job<unknown, unknown, infer P, unknown> ? P : never;

/** True when `name` is a job of the table (the IPC channel may carry anything). */
export const isJobName = (name: unknown): name is JobName => typeof name === 'string' && Object.hasOwn(JOBS, name);
