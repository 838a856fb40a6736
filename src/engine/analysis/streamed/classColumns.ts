// Per-class feature columns: for each class, its images (train and val, ascending) x a few features (its top
// features, and any other feature labeled spurious for it), read from the feature cache on demand. This is all the
// rankings and per-feature gaps ever read of the features: n x (a few) floats instead of n x D.
import type { FeatureCache, RowSink } from '../../cache/featureCache';
import type { CacheKey } from '../../cache/shard';

/** One class's columns: values[j] holds feature feats[j] for each of the class's images, in `rows` order. */
interface ClassCols {
  feats: number[];
  values: Float32Array[];
}

/** The columns of every class, over one packed image list (row r = entries[r]). */
export class ClassColumns {
  /** Per class, its images (rows with that label), ascending. */
  readonly classRows: Int32Array[];
  /** Per row, its position in its class's rows (-1 when unlabeled). */
  readonly pos: Int32Array;
  private readonly cols: ClassCols[];

  constructor(private readonly cache: FeatureCache, private readonly entries: CacheKey[], private readonly labels: Int32Array, classes: number) {
    const counts = new Int32Array(classes);
    for (const c of labels) if (c >= 0) counts[c]++;
    this.classRows = Array.from(counts, (n) => new Int32Array(n));
    this.pos = new Int32Array(labels.length).fill(-1);
    const fill = new Int32Array(classes);
    labels.forEach((c, r) => {
      if (c < 0) return;
      this.pos[r] = fill[c];
      this.classRows[c][fill[c]++] = r;
    });
    this.cols = Array.from({ length: classes }, () => ({ feats: [], values: [] }));
  }

  /** Column of `feature` for class `cls` (values in classRows order), or undefined when it was not read. */
  column(cls: number, feature: number): Float32Array | undefined {
    const c = this.cols[cls];
    const j = c?.feats.indexOf(feature) ?? -1;
    return j >= 0 ? c.values[j] : undefined;
  }

  /** Activation of a feature in one image, when that column was read (else NaN). */
  value(row: number, feature: number): number {
    const cls = this.labels[row];
    if (cls < 0) return NaN;
    const col = this.column(cls, feature);
    return col ? col[this.pos[row]] : NaN;
  }

  /** Reads, in one pass over the cache, every class's missing columns among `want[c]`; `all` rows go through, a shard at a time. */
  async ensureAll(want: number[][]): Promise<void> {
    const missing = want.map((feats, c) => [...new Set(feats)].filter((f) => this.column(c, f) === undefined));
    if (!missing.some((m) => m.length)) return;
    const fresh = missing.map((feats, c) => feats.map(() => new Float32Array(this.classRows[c].length)));
    const scratch = new Float32Array(Math.max(1, ...missing.map((m) => m.length)));
    const sink: RowSink = (first, count, body, row) => {
      for (let q = 0; q < count; q++) {
        const r = first + q;
        const c = this.labels[r];
        if (c < 0) continue;
        const feats = missing[c];
        if (!feats.length) continue;
        body.copyPooledAt(row + q, feats, scratch, 0);
        const p = this.pos[r];
        for (let j = 0; j < feats.length; j++) fresh[c][j][p] = scratch[j];
      }
    };
    // only classes that miss a column need their rows read
    const rows: number[] = [];
    for (let c = 0; c < missing.length; c++) if (missing[c].length) for (const r of this.classRows[c]) rows.push(r);
    rows.sort((a, b) => a - b);
    const keys = rows.map((r) => this.entries[r]);
    const remap: RowSink = (first, count, body, row) => {
      // lookupRows numbers rows within `keys`; consecutive keys are consecutive rows only when `rows` is
      for (let a = 0; a < count;) {
        let b = a + 1;
        while (b < count && rows[first + b] === rows[first + a] + (b - a)) b++;
        sink(rows[first + a], b - a, body, row + a);
        a = b;
      }
    };
    const look = await this.cache.lookupRows(keys, rows.length === this.entries.length ? sink : remap);
    if (look.hits !== keys.length) {
      throw new Error(`the feature cache in ${this.cache.dir} no longer holds ${keys.length - look.hits} of the images being analysed (was it cleared or recomputed by another run?): open the analysis again`);
    }
    missing.forEach((feats, c) => {
      feats.forEach((f, j) => {
        this.cols[c].feats.push(f);
        this.cols[c].values.push(fresh[c][j]);
      });
    });
  }

  /** Reads one class's missing columns among `feats`. */
  ensure(cls: number, feats: number[]): Promise<void> {
    const want: number[][] = this.cols.map(() => []);
    want[cls] = feats;
    return this.ensureAll(want);
  }

  /** Every class's columns read so far (for the analysis index). */
  snapshot(): Array<{ feats: number[]; values: Float32Array[] }> {
    return this.cols.map((c) => ({ feats: [...c.feats], values: [...c.values] }));
  }

  /** Takes columns read by an earlier open of the same images (analysis index); a column of the wrong length is skipped. */
  load(cols: Array<{ feats: number[]; values: Float32Array[] }>): void {
    cols.forEach((c, cls) => {
      if (cls >= this.cols.length) return;
      c.feats.forEach((f, j) => {
        if (c.values[j]?.length === this.classRows[cls].length && this.column(cls, f) === undefined) {
          this.cols[cls].feats.push(f);
          this.cols[cls].values.push(c.values[j]);
        }
      });
    });
  }

  /** Drops the columns not in `keep[c]` (e.g. the old top features after a new head). */
  retain(keep: number[][]): void {
    this.cols.forEach((c, cls) => {
      const k = new Set(keep[cls] ?? []);
      const idx = c.feats.map((f, j) => (k.has(f) ? j : -1)).filter((j) => j >= 0);
      this.cols[cls] = { feats: idx.map((j) => c.feats[j]), values: idx.map((j) => c.values[j]) };
    });
  }
}
