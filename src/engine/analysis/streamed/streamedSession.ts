// The out-of-core analysis session: the same analysis as AnalysisSession (same core functions, same results) without
// any n x D feature or n x C logits matrix. Features stay float16 in the cache shards; one streaming pass gives each
// image's prediction and the per-class importance sums; the rankings and per-feature gaps read per-class columns (a
// class's images x its top and spurious features) on demand. Per image it keeps a few scalars.
import { SPLIT_TRAIN, SPLIT_VAL, type ClassIndex } from '../../../core/classIndex';
import type { FeatureGap } from '../../../core/featureGap';
import { DEFAULT_GAP_K, spuriousGap, type GapSummary } from '../../../core/gap';
import { importanceFromSums, type ClassImportance } from '../../../core/importance';
import { correctness, softmaxRows } from '../../../core/linalg';
import type { ClassRanking } from '../../../core/spuriosity';
import type { LinearHead } from '../../../core/types';
import type { HeadSource } from '../../../core/vocabulary';
import { FeatureCache, LookupStatus } from '../../cache/featureCache';
import type { Dataset, ImageEntry } from '../../dataset/types';
import { extractInto, loadDefaultDeps } from '../../extract/pipeline';
import type { ExtractFailure, ExtractOptions, ExtractProgress, ExtractSummary } from '../../extract/types';
import { analysisKey, pruneAnalysisIndexes, readAnalysisIndex, writeAnalysisIndex } from './analysisIndex';
import { featureCacheKey, type ModelInfo } from '../../model/types';
import { headSpace, modelHead, type HeadSpace } from '../headChoice';
import type { FeatureVerdict, LabelStore } from '../labels';
import type { AnalysisView } from '../queries/sessionView';
import type { AnalysisOptions } from '../session';
import { ClassColumns } from './classColumns';
import { featureGapsFromColumns, rankClassFromColumns } from './localRank';
import { ScanStore } from './scanStore';
import { excludedCount, indexWithout, splitCounts, valAccuracy } from '../queries/imageCounts';
import { spuriousListsOf, verdictsOf } from '../queries/labelLists';

type Resolved = Required<Omit<AnalysisOptions, 'excluded'>>;

function resolve(o: AnalysisOptions): Resolved {
  return {
    headMode: o.headMode ?? 'auto', grouping: o.grouping ?? 'predicted', topK: o.topK ?? 5, gapK: o.gapK ?? DEFAULT_GAP_K,
    featureGapK: o.featureGapK ?? 25, bootstrap: o.bootstrap ?? 1000, seed: o.seed ?? 0,
  };
}

/** Thrown when the analysis needs a fitted head, which the out-of-core session cannot fit (it needs every training row). */
export class StreamedHeadError extends Error {
  override readonly name = 'StreamedHeadError';
}

/** What opening a streamed analysis needs: the extraction request (cache-first) and the labels of the model. */
export interface StreamedOpenRequest extends ExtractOptions {
  openLabels(model: ModelInfo): Promise<LabelStore>;
  options?: AnalysisOptions;
  /** The model and its feature cache when the caller opened them already (e.g. to discover with the cache's listing). */
  opened?: { info: ModelInfo; cache: FeatureCache };
}

/** An analysis over the feature cache: AnalysisSession's results without its matrices. */
export class StreamedSession implements AnalysisView {
  readonly labels: Int32Array;
  readonly split: Uint8Array;
  readonly excluded: Uint8Array;
  readonly classNames: string[];
  readonly datasetClassIds: number[];
  readonly unmapped: string[];
  readonly headSource: HeadSource;
  private _index: ClassIndex;
  private _head: LinearHead;
  private _predictions: Int32Array;
  private _correct: Uint8Array;
  private _importance: ClassImportance[] = [];
  private _featureGapsByClass = new Map<number, FeatureGap[]>();
  private _spuriosity: { spurious: number[][]; scores: Float32Array; rankings: (ClassRanking | null)[] };
  private _gaps: GapSummary;
  private _byRel: Map<string, number> | null = null;
  private readonly confidences = new Map<number, number>();
  /** Milliseconds per phase of the open (the caller may add its own, e.g. discovery), in order. */
  readonly timings: Array<[string, number]> = [];

  private constructor(
    readonly dataset: Dataset,
    readonly extraction: ExtractSummary,
    readonly labelStore: LabelStore,
    readonly options: Resolved,
    space: HeadSpace,
    private readonly cache: FeatureCache,
    scan: Pick<ScanStore, 'sums' | 'counts'>,
    excluded: Iterable<string>,
    timings: Array<[string, number]> = [],
  ) {
    this.timings.push(...timings);
    const lap = timer(this.timings);
    const entries = extraction.entries;
    const n = entries.length;
    ({ headSource: this.headSource, classNames: this.classNames, unmapped: this.unmapped, datasetClassIds: this.datasetClassIds } = space);
    this.labels = new Int32Array(n);
    this.split = new Uint8Array(n);
    entries.forEach((e, i) => {
      this.labels[i] = space.classOf.get(e.label) ?? -1;
      this.split[i] = e.split === 'val' ? SPLIT_VAL : SPLIT_TRAIN;
    });
    this.excluded = new Uint8Array(n);
    this._index = this.indexWithout(excluded);
    lap('rows and class index');
    this._head = modelHead(extraction.model);
    this._predictions = extraction.predicted;
    this._correct = correctness(this._predictions, this.labels);
    this.columns = new ClassColumns(cache, entries, this.labels, this.classNames.length);
    this._importance = importanceFromSums(scan.sums, scan.counts, this._head, options.grouping, options.topK);
    lap('importance');
    this._spuriosity = { spurious: this.classNames.map(() => []), scores: new Float32Array(n).fill(NaN), rankings: this.classNames.map(() => null) };
    this._gaps = spuriousGap([], this._correct, { bootstrap: 0 });
  }

  private readonly columns: ClassColumns;

  /**
   * Extracts (cache-first: only images the cache lacks are computed and written to it) while streaming every image's
   * features once, then analyses from the cache. Needs the model's own head: fitting a head needs every training row.
   */
  static async open(req: StreamedOpenRequest): Promise<StreamedSession> {
    const { openLabels, options = {}, ...extract } = req;
    const opts = resolve(options);
    const indexed = await StreamedSession.openFromIndex(req, opts);
    if (indexed) return indexed;
    const timings: Array<[string, number]> = [];
    const lap = timer(timings);
    let space: HeadSpace | undefined;
    const { summary, store } = await extractInto(extract, (n, info) => {
      space = headSpace(req.dataset.classes, info, opts.headMode);
      if (space.headSource !== 'model') {
        throw new StreamedHeadError(`the out-of-core analysis uses the model's own head, but ${space.unmapped.length ? `the dataset's classes ${space.unmapped.slice(0, 5).join(', ')}${space.unmapped.length > 5 ? ', …' : ''} are not among the model's labels` : 'a fitted head was asked for'}: fitting a head needs every training row in memory (use the in-memory analysis, or a model whose labels name the dataset's classes)`);
      }
      const labels = Int32Array.from(req.dataset.images, (e) => space!.classOf.get(e.label) ?? -1);
      const split = Uint8Array.from(req.dataset.images, (e) => (e.split === 'val' ? SPLIT_VAL : SPLIT_TRAIN));
      return new ScanStore(n, info.dim, info.classes, { labels, split }, opts.grouping);
    });
    const m = summary.entries.length;
    const extraction: ExtractSummary = { ...summary, predicted: store.predicted.slice(0, m) };
    const cache = await FeatureCache.open(req.cacheDir, { sha256: featureCacheKey(summary.model), dim: summary.model.dim, classes: summary.model.classes });
    lap('extraction pass (predictions, importance sums)');
    const labelStore = await openLabels(summary.model);
    const s = new StreamedSession(req.dataset, extraction, labelStore, opts, space!, cache, store, options.excluded ?? [], timings);
    await s.refreshFeatures();
    await s.refreshRankings();
    // the next open reads this instead of every shard twice
    await s.keepIndex(analysisKey(summary.model.sha256, opts.grouping, extraction.entries), store);
    return s;
  }

  /**
   * The open without a pass over the shards: when the cache holds every image (or its cached failure) and an earlier
   * open of the same images, model and grouping left its analysis index, predictions, importance sums and columns come
   * from there. Null when anything differs (the full open then runs and writes a new index).
   */
  private static async openFromIndex(req: StreamedOpenRequest, opts: Resolved): Promise<StreamedSession | null> {
    // The index and the cache it checks are the float32 ones (under the model's sha256): an int8 run takes the full
    // open, whose extraction picks the int8 cache folder (engine/extract/precision.ts).
    if (req.precision === 'int8') return null;
    const t0 = performance.now();
    const timings: Array<[string, number]> = [];
    const lap = timer(timings);
    const images = req.dataset.images;
    const progress = (phase: ExtractProgress['phase'], done: number) => req.onProgress?.({ phase, done, total: images.length, cached: done, failed: 0, imagesPerSecond: 0, etaSeconds: null });
    progress('loading-model', 0);
    const info = req.opened?.info ?? (await (req.deps ?? (await loadDefaultDeps())).loadModel(req.modelPath)).info;
    const space = headSpace(req.dataset.classes, info, opts.headMode);
    if (space.headSource !== 'model') return null;
    progress('scanning-cache', 0);
    let cache: FeatureCache;
    try {
      cache = req.opened?.cache ?? await FeatureCache.open(req.cacheDir, { sha256: info.sha256, dim: info.dim, classes: info.classes });
    } catch {
      return null;
    }
    lap('model and cache listing');
    const status = cache.statusOf(images);
    if (status.some((x) => x === LookupStatus.Miss || (req.retryFailed && x === LookupStatus.Failed))) return null;
    const entries = images.filter((_, i) => status[i] === LookupStatus.Hit);
    const key = analysisKey(info.sha256, opts.grouping, entries);
    lap('cache status and analysis key');
    const idx = await readAnalysisIndex(cache.dir, key);
    lap('analysis index read');
    if (!idx || idx.predicted.length !== entries.length || idx.counts.length !== info.classes || idx.sums.length !== info.classes * info.dim) return null;
    // cached decode failures come back from the index without reading a shard
    const failedAt: number[] = [];
    for (let i = 0; i < status.length; i++) if (status[i] === LookupStatus.Failed) failedAt.push(i);
    const look = await cache.lookupRows(failedAt.map((i) => images[i]), () => undefined);
    const failures: ExtractFailure[] = look.failures.map((f) => ({ path: images[failedAt[f.index]].path, rel: f.rel, reason: f.reason as ExtractFailure['reason'], message: f.message }));
    progress('done', images.length);
    const extraction: ExtractSummary = {
      model: info, entries, predicted: idx.predicted, failures, skipped: req.dataset.skipped, cacheHits: entries.length, computed: 0,
      seconds: (performance.now() - t0) / 1000, warnings: cache.problems.map((p) => `${p.file}: ${p.problem}`),
    };
    const labelStore = await req.openLabels(info);
    lap('labels');
    const s = new StreamedSession(req.dataset, extraction, labelStore, opts, space, cache, idx, req.options?.excluded ?? [], timings);
    s.columns.load(idx.columns);
    const kept = s.excludedCount === 0 && idx.featureGaps?.topK === opts.topK && idx.featureGaps.featureGapK === opts.featureGapK ? idx.featureGaps : undefined;
    await s.refreshFeatures(kept && new Map(kept.byClass));
    await s.refreshRankings();
    // an index from before the feature gaps were kept gets them now (a new spurious label's column too)
    if (!kept && s.excludedCount === 0) await s.keepIndex(key, idx);
    return s;
  }

  get model(): ModelInfo { return this.extraction.model; }
  get entries(): ImageEntry[] { return this.extraction.entries; }
  /** Per class and split, the images that count (excluded ones left out). */
  get index(): ClassIndex { return this._index; }
  /** The head in use. */
  get head(): LinearHead { return this._head; }
  get predictions(): Int32Array { return this._predictions; }
  get correct(): Uint8Array { return this._correct; }
  get importance(): ClassImportance[] { return this._importance; }
  get featureGapsByClass(): Map<number, FeatureGap[]> { return this._featureGapsByClass; }
  get spuriosity(): StreamedSession['_spuriosity'] { return this._spuriosity; }
  get gaps(): GapSummary { return this._gaps; }

  /** Row of an image id, or undefined. */
  indexOf(rel: string): number | undefined { return this.byRel.get(rel); }

  /** Image id -> row, built on first use (1.33M entries take a second or two, and the first page needs none). */
  private get byRel(): Map<string, number> {
    if (!this._byRel) {
      const m = new Map<string, number>();
      this.entries.forEach((e, i) => m.set(e.rel, i));
      this._byRel = m;
    }
    return this._byRel;
  }

  /** Head-space id of a class name, or undefined. */
  classId(name: string): number | undefined {
    const i = this.classNames.indexOf(name);
    return i >= 0 ? i : undefined;
  }

  /** Labeled pairs of one class. */
  verdicts(cls: number): Map<number, FeatureVerdict> {
    return verdictsOf(this.labelStore, this.classNames[cls]);
  }

  /** Every labeled pair. */
  labelEntries(): Array<{ cls: string; feature: number; verdict: FeatureVerdict }> {
    return this.labelStore.entries();
  }

  /** Spurious features per head-space class, from the labels. */
  spuriousLists(): number[][] {
    return spuriousListsOf(this.labelStore, this.classNames, this.model.dim);
  }

  /** Activation of a class's top or spurious feature in one of its images (NaN for a column never read). */
  activation(row: number, feature: number): number {
    return this.columns.value(row, feature);
  }

  /** Reads a class's columns of these features (for activation(row, feature) on the class's images); read ones are kept. */
  ensureColumns(cls: number, features: number[]): Promise<void> {
    return this.columns.ensure(cls, features);
  }

  /** Softmax probability of the predicted class once loadRow(row) has read it, else null. */
  confidence(row: number): number | null {
    return this.confidences.get(row) ?? null;
  }

  /** Reads one image's logits from the cache for confidence(row). */
  loadRow(row: number): Promise<void> {
    return this.loadRows([row]);
  }

  /** Reads these images' logits (each shard once) for confidence(row); rows already read are skipped. */
  async loadRows(rows: ArrayLike<number>): Promise<void> {
    const want = [...new Set(Array.from(rows))].filter((r) => !this.confidences.has(r)).sort((a, b) => a - b);
    if (!want.length) return;
    const C = this.model.classes;
    const logits = new Float32Array(C);
    await this.cache.lookupRows(want.map((r) => this.entries[r]), (first, count, body, r) => {
      for (let q = 0; q < count; q++) {
        body.copyLogits(r + q, 1, logits, 0);
        const row = want[first + q];
        this.confidences.set(row, softmaxRows({ rows: 1, cols: C, data: logits }).data[this._predictions[row]]);
      }
    });
  }

  /** The feature cache the session reads (fine-tuning reads its rows from it). */
  get featureCache(): FeatureCache { return this.cache; }

  /** Labels one pair (null clears), persists it, and re-ranks that class; gaps are recomputed. */
  setLabel(className: string, feature: number, verdict: FeatureVerdict | null): Promise<void> {
    return this.setLabels([{ cls: className, feature, verdict }]);
  }

  /** Labels several pairs, reads any new spurious feature's column, re-ranks each touched class once, recomputes the gaps once. */
  async setLabels(changes: Array<{ cls: string; feature: number; verdict: FeatureVerdict | null }>): Promise<void> {
    const D = this.model.dim;
    const ids = changes.map(({ cls: className, feature }) => {
      const cls = this.classId(className);
      if (cls === undefined) throw new Error(`Unknown class "${className}"; known classes: ${this.dataset.classes.slice(0, 10).join(', ')}${this.dataset.classes.length > 10 ? ', …' : ''}`);
      if (!Number.isInteger(feature) || feature < 0 || feature >= D) throw new RangeError(`Feature ${feature} is out of range 0..${D - 1}`);
      return cls;
    });
    const laps: Array<[string, number]> = [];
    const lap = timer(laps);
    for (const c of changes) await this.labelStore.set(c.cls, c.feature, c.verdict);
    lap('label write');
    const lists = this.spuriousLists();
    for (const cls of new Set(ids)) await this.rerank(cls, lists[cls], lap);
    this.refreshGaps();
    lap('gaps');
    this.lastChange = laps;
  }

  /** Milliseconds per phase of the last label change (label write, column read, ranking, gaps). */
  lastChange: Array<[string, number]> = [];

  /** Leaves these images out of the class index (bringing back earlier ones), recomputes feature gaps, rankings and gaps. */
  async setExcluded(ids: Iterable<string>): Promise<number> {
    this._index = this.indexWithout(ids);
    await this.refreshFeatures();
    await this.refreshRankings();
    return this.excludedCount;
  }

  /** Images left out by `excluded`. */
  get excludedCount(): number {
    return (this.counted ??= this.count()).excluded;
  }

  /** Labeled images per split, excluded ones left out. */
  splitCounts(): { train: number; val: number } {
    return { ...(this.counted ??= this.count()).splits };
  }

  // both loop over every image (50 ms at 1.33M) and change only with the exclusions: every label change's overview asks
  private counted: { excluded: number; splits: { train: number; val: number } } | null = null;
  private count(): { excluded: number; splits: { train: number; val: number } } {
    return { excluded: excludedCount(this), splits: splitCounts(this) };
  }

  /** Validation accuracy over the dataset's labeled images. */
  valAccuracy(correct: Uint8Array = this._correct): number {
    return valAccuracy(this, correct);
  }

  private indexWithout(ids: Iterable<string>): ClassIndex {
    this.counted = null;
    const list = [...ids];
    // no exclusions (the usual open) need no id lookup
    return indexWithout(this, list.length ? this.byRel : new Map(), list, this.classNames.length);
  }

  /**
   * Reads the columns of every class's top features and labeled spurious features, then the per-feature gaps (or
   * takes `kept`, an analysis index's gaps of the same images, top features and knobs with nothing excluded).
   */
  private async refreshFeatures(kept?: Map<number, FeatureGap[]>): Promise<void> {
    const lap = timer(this.timings);
    const lists = this.spuriousLists();
    await this.columns.ensureAll(this.classNames.map((_, c) => [...(this._importance[c]?.top ?? []), ...lists[c]]));
    lap('columns');
    if (kept) {
      this._featureGapsByClass = kept;
      return;
    }
    this._featureGapsByClass = new Map();
    for (const cls of this.datasetClassIds) {
      const gaps = featureGapsFromColumns(this.columns, this._index, this._correct, cls, this._importance[cls].top, this.options.featureGapK);
      if (gaps.length) this._featureGapsByClass.set(cls, gaps);
    }
    lap('feature gaps');
  }

  /** Writes the analysis index of this open under `key` (a failure is a warning: the next open is only slower). */
  private async keepIndex(key: string, scan: Pick<ScanStore, 'sums' | 'counts'>): Promise<void> {
    const lap = timer(this.timings);
    const gaps = this.excludedCount === 0 ? { topK: this.options.topK, featureGapK: this.options.featureGapK, byClass: [...this._featureGapsByClass] } : undefined;
    try {
      await writeAnalysisIndex(this.cache.dir, key, { predicted: this._predictions, sums: scan.sums, counts: scan.counts, columns: this.columns.snapshot(), featureGaps: gaps });
      await pruneAnalysisIndexes(this.cache.dir, key);
    } catch (e) {
      this.extraction.warnings?.push(`could not keep the analysis index in ${this.cache.dir}: ${(e as Error).message}`);
    }
    lap('analysis index write');
  }

  private async refreshRankings(): Promise<void> {
    const lap = timer(this.timings);
    const lists = this.spuriousLists();
    this._spuriosity = { spurious: this.classNames.map(() => []), scores: new Float32Array(this.labels.length).fill(NaN), rankings: this.classNames.map(() => null) };
    for (let c = 0; c < this.classNames.length; c++) await this.rerank(c, lists[c]);
    lap('rankings');
    this.refreshGaps();
    lap('gaps');
  }

  /** core's rerankClass over the class's columns (its features cleaned the same way: range-checked, deduplicated, ascending). */
  private async rerank(cls: number, list: number[], lap?: (phase: string) => void): Promise<void> {
    const feats = Array.from(new Set(list)).sort((a, b) => a - b);
    const st = this._spuriosity;
    st.spurious[cls] = feats;
    if (!feats.length) {
      for (const imgs of [this._index.train[cls], this._index.val[cls]]) for (let j = 0; j < imgs.length; j++) st.scores[imgs[j]] = NaN;
      st.rankings[cls] = null;
      return;
    }
    await this.columns.ensure(cls, feats);
    lap?.('column read');
    st.rankings[cls] = rankClassFromColumns(this.columns, this._index, cls, feats, st.scores);
    lap?.('ranking');
  }

  private refreshGaps(): void {
    this._gaps = spuriousGap(this._spuriosity.rankings, this._correct, { k: this.options.gapK, bootstrap: this.options.bootstrap, seed: this.options.seed });
  }
}

/** A lap timer appending [phase, ms since the previous lap] to `into`. */
export function timer(into: Array<[string, number]>): (phase: string) => void {
  let t = performance.now();
  return (phase) => {
    const now = performance.now();
    into.push([phase, now - t]);
    t = now;
  };
}
