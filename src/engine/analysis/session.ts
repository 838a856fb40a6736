import { SPLIT_TRAIN, SPLIT_VAL, type ClassIndex } from '../../core/classIndex';
import { featureGaps, type FeatureGap } from '../../core/featureGap';
import { DEFAULT_GAP_K, spuriousGap, type GapSummary } from '../../core/gap';
import { featureImportance, type ClassImportance } from '../../core/importance';
import type { Grouping, HeadMode, HeadSource } from '../../core/vocabulary';
import { argmaxRows, correctness, headLogits, predict, softmaxRows } from '../../core/linalg';
import { computeSpuriosity, rerankClass, type SpuriosityState } from '../../core/spuriosity';
import type { LinearHead, Matrix } from '../../core/types';
import type { Dataset, ImageEntry } from '../dataset/types';
import type { ExtractResult } from '../extract/types';
import type { ModelInfo } from '../model/types';
import { headSpace, modelHead } from './headChoice';
import { fitDatasetHead } from './fitHead';
import type { FeatureVerdict, LabelStore } from './labels';
import { excludedCount, indexWithout, splitCounts, valAccuracy } from './queries/imageCounts';
import { spuriousListsOf, verdictsOf } from './queries/labelLists';

/** Knobs of an analysis; defaults follow the paper (k = 5 features, gap k = 10, 1,000 bootstrap resamples). */
export interface AnalysisOptions {
  headMode?: HeadMode;
  grouping?: Grouping;
  topK?: number;
  gapK?: number;
  featureGapK?: number;
  bootstrap?: number;
  seed?: number;
  /**
   * Image ids (paths relative to the root) left out of the class index, so of the rankings, gaps, feature gaps,
   * tuning sets and validation accuracy (e.g. those a review excluded). Top features and the head do not change, so
   * feature labels keep meaning the same features.
   */
  excluded?: Iterable<string>;
}

/**
 * One dataset scored by one model: features, the head in use, top features, labels, rankings and gaps.
 * Classes live in "head space": the model's logits when its own head is used (dataset classes mapped onto them),
 * else the dataset's classes with a fitted head.
 */
export class AnalysisSession {
  readonly features: Matrix;
  readonly labels: Int32Array;
  readonly split: Uint8Array;
  /** 1 for rows left out by `excluded` (see AnalysisOptions.excluded), else 0. */
  readonly excluded: Uint8Array;
  /** Class names in head space. */
  readonly classNames: string[];
  /** Head-space indices of the dataset's classes, in dataset order. */
  readonly datasetClassIds: number[];
  readonly unmapped: string[];
  readonly headSource: HeadSource;
  // Derived state changes only through the session's own methods (labels, head, exclusions); readers use the getters.
  private _index!: ClassIndex;
  private _head!: LinearHead;
  private _predictions!: Int32Array;
  private _correct!: Uint8Array;
  private _importance!: ClassImportance[];
  private _featureGapsByClass!: Map<number, FeatureGap[]>;
  private _spuriosity!: SpuriosityState;
  private _gaps!: GapSummary;
  private tuned = false;
  private readonly byRel = new Map<string, number>();

  private constructor(
    readonly dataset: Dataset,
    readonly extraction: ExtractResult,
    readonly labelStore: LabelStore,
    readonly options: Required<Omit<AnalysisOptions, 'excluded'>>,
    excluded: Iterable<string> = [],
  ) {
    const ex = extraction;
    const n = ex.entries.length;
    this.features = { rows: n, cols: ex.model.dim, data: ex.features };
    const space = headSpace(dataset.classes, ex.model, options.headMode);
    const classOf = space.classOf;
    ({ headSource: this.headSource, classNames: this.classNames, unmapped: this.unmapped, datasetClassIds: this.datasetClassIds } = space);
    this.labels = new Int32Array(n);
    this.split = new Uint8Array(n);
    ex.entries.forEach((e, i) => {
      this.labels[i] = classOf.get(e.label) ?? -1;
      this.split[i] = e.split === 'val' ? SPLIT_VAL : SPLIT_TRAIN;
      this.byRel.set(e.rel, i);
    });
    this.excluded = new Uint8Array(n);
    this._index = this.indexWithout(excluded);
    if (this.headSource === 'model') {
      this._head = modelHead(ex.model);
      // the cached logits are the model's own head applied to the same features: no need to recompute
      this._predictions = argmaxRows({ rows: n, cols: ex.model.classes, data: ex.logits });
    } else {
      this._head = fitDatasetHead(this.features, this.labels, this.split, dataset.classes.length);
      this._predictions = predict(this.features, this.head);
    }
    this._correct = correctness(this.predictions, this.labels);
    this._importance = [];
    this._featureGapsByClass = new Map();
    this._spuriosity = computeSpuriosity(this.features, this.index, []);
    this._gaps = spuriousGap([], this.correct, { bootstrap: 0 });
  }

  private static resolve(options: AnalysisOptions): Required<Omit<AnalysisOptions, 'excluded'>> {
    return {
      headMode: options.headMode ?? 'auto',
      grouping: options.grouping ?? 'predicted',
      topK: options.topK ?? 5,
      gapK: options.gapK ?? DEFAULT_GAP_K,
      featureGapK: options.featureGapK ?? 25,
      bootstrap: options.bootstrap ?? 1000,
      seed: options.seed ?? 0,
    };
  }

  /** Scores an extracted dataset; labels come from (and are saved to) the store. */
  static create(dataset: Dataset, extraction: ExtractResult, labelStore: LabelStore, options: AnalysisOptions = {}): AnalysisSession {
    const s = new AnalysisSession(dataset, extraction, labelStore, AnalysisSession.resolve(options), options.excluded);
    s.refreshFeatures();
    s.refreshRankings();
    return s;
  }

  /** As create, but hands the event loop back between stages: the extension host must not stall for the whole analysis. */
  static async open(dataset: Dataset, extraction: ExtractResult, labelStore: LabelStore, options: AnalysisOptions = {}): Promise<AnalysisSession> {
    const tick = () => new Promise<void>((r) => setImmediate(r));
    const s = new AnalysisSession(dataset, extraction, labelStore, AnalysisSession.resolve(options), options.excluded);
    await tick();
    s.refreshFeatures();
    await tick();
    s._spuriosity = computeSpuriosity(s.features, s.index, s.spuriousLists());
    await tick();
    s.refreshGaps();
    return s;
  }

  /** Per class and split, the images that count (excluded ones left out). */
  get index(): ClassIndex { return this._index; }
  /** The head in use (the model's, a fitted one, or a tuned one after useHead). */
  get head(): LinearHead { return this._head; }
  /** Predicted head-space class per image. */
  get predictions(): Int32Array { return this._predictions; }
  /** 1 where the prediction equals the label, per image. */
  get correct(): Uint8Array { return this._correct; }
  /** Feature importance and top features per head-space class. */
  get importance(): ClassImportance[] { return this._importance; }
  /** Per-feature gaps of each dataset class's top features. */
  get featureGapsByClass(): Map<number, FeatureGap[]> { return this._featureGapsByClass; }
  /** Spuriosity per image and the rankings of classes with a spurious feature. */
  get spuriosity(): SpuriosityState { return this._spuriosity; }
  /** Spurious gaps of the ranked classes and their mean. */
  get gaps(): GapSummary { return this._gaps; }

  /** Activation of one feature in one image (row). */
  activation(row: number, feature: number): number {
    return this.features.data[row * this.features.cols + feature];
  }

  /**
   * Softmax probability of the predicted class under the head in use: the model's own from the cached logits; a fitted
   * head (a softmax regression, so its probabilities mean what the model head's do) or a tuned one from its logits
   * on the row's features (the cached logits are the model head's).
   */
  confidence(row: number): number | null {
    const C = this._head.classes;
    const logits = this.tuned || this.headSource !== 'model' ? headLogits(this.features, this._head, [row])
      : { rows: 1, cols: C, data: this.extraction.logits.subarray(row * C, (row + 1) * C) };
    return softmaxRows(logits).data[this._predictions[row]];
  }

  get model(): ModelInfo {
    return this.extraction.model;
  }

  get entries(): ImageEntry[] {
    return this.extraction.entries;
  }

  /** Row index of an image id (its path relative to the dataset root), or undefined when it is not in the dataset. */
  indexOf(rel: string): number | undefined {
    return this.byRel.get(rel);
  }

  /** Head-space id of a class name, or undefined. */
  classId(name: string): number | undefined {
    const i = this.classNames.indexOf(name);
    return i >= 0 ? i : undefined;
  }

  /** Labeled pairs of one class (by head-space id). */
  verdicts(cls: number): Map<number, FeatureVerdict> {
    return verdictsOf(this.labelStore, this.classNames[cls]);
  }

  /** Every labeled pair. */
  labelEntries(): Array<{ cls: string; feature: number; verdict: FeatureVerdict }> {
    return this.labelStore.entries();
  }

  /** Spurious features per head-space class, from the labels. */
  spuriousLists(): number[][] {
    return spuriousListsOf(this.labelStore, this.classNames, this.features.cols);
  }

  /** Labels one pair (null clears), persists it, and re-ranks only that class; gaps are recomputed. */
  setLabel(className: string, feature: number, verdict: FeatureVerdict | null): Promise<void> {
    return this.setLabels([{ cls: className, feature, verdict }]);
  }

  /** Labels several pairs (each persisted before the next), then re-ranks each touched class once and recomputes the gaps once. */
  async setLabels(changes: Array<{ cls: string; feature: number; verdict: FeatureVerdict | null }>): Promise<void> {
    const ids = changes.map(({ cls: className, feature }) => {
      const cls = this.classId(className);
      if (cls === undefined) throw new Error(`Unknown class "${className}"; known classes: ${this.dataset.classes.slice(0, 10).join(', ')}${this.dataset.classes.length > 10 ? ', …' : ''}`);
      if (!Number.isInteger(feature) || feature < 0 || feature >= this.features.cols) {
        throw new RangeError(`Feature ${feature} is out of range 0..${this.features.cols - 1}`);
      }
      return cls;
    });
    for (const c of changes) await this.labelStore.set(c.cls, c.feature, c.verdict);
    const lists = this.spuriousLists();
    for (const cls of new Set(ids)) rerankClass(this.spuriosity, cls, lists[cls]);
    this.refreshGaps();
  }

  /** Replaces the head (after fine-tuning) and recomputes predictions, importance, rankings and gaps. */
  useHead(head: LinearHead): void {
    this._head = head;
    this.tuned = true;
    this._predictions = predict(this.features, head);
    this._correct = correctness(this.predictions, this.labels);
    this.refreshFeatures();
    this.refreshGaps();
  }

  /**
   * Leaves these images (ids; unknown ones are ignored) out of the class index, and brings back any excluded before,
   * then recomputes feature gaps, rankings and gaps; returns how many images are excluded now.
   */
  setExcluded(ids: Iterable<string>): number {
    this._index = this.indexWithout(ids);
    this.refreshFeatures();
    this.refreshRankings();
    return this.excludedCount;
  }

  /** Images left out by `excluded`. */
  get excludedCount(): number {
    return excludedCount(this);
  }

  /** Labeled images per split, excluded ones left out. */
  splitCounts(): { train: number; val: number } {
    return splitCounts(this);
  }

  /** Validation accuracy over the dataset's labeled images. */
  valAccuracy(correct: Uint8Array = this.correct): number {
    return valAccuracy(this, correct);
  }

  private indexWithout(ids: Iterable<string>): ClassIndex {
    return indexWithout(this, this.byRel, ids, this.classNames.length);
  }

  private refreshFeatures(): void {
    this._importance = featureImportance({
      features: this.features, head: this.head, labels: this.labels, split: this.split,
      predictions: this.predictions, grouping: this.options.grouping, k: this.options.topK,
    });
    const pairs = this.datasetClassIds.flatMap((cls) => this.importance[cls].top.map((feature) => ({ cls, feature })));
    const gaps = featureGaps(this.features, this.correct, this.index, pairs, { k: this.options.featureGapK });
    this._featureGapsByClass = new Map();
    for (const g of gaps) {
      const list = this.featureGapsByClass.get(g.cls) ?? [];
      list.push(g);
      this.featureGapsByClass.set(g.cls, list);
    }
  }

  private refreshRankings(): void {
    this._spuriosity = computeSpuriosity(this.features, this.index, this.spuriousLists());
    this.refreshGaps();
  }

  private refreshGaps(): void {
    this._gaps = spuriousGap(this.spuriosity.rankings, this.correct, {
      k: this.options.gapK, bootstrap: this.options.bootstrap, seed: this.options.seed,
    });
  }
}
