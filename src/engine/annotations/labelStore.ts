// What the analysis needs from wherever labels live: a verdict per (class, feature) pair, read and written. The
// annotation file (store.ts) implements it, MemoryLabelStore (analysis/labels.ts) too.
import type { FeatureLabel, LabelOrigin, SpuriousSubtype } from '../../core/annotations';

/** A human's verdict on a (class, feature) pair. */
export interface FeatureVerdict {
  label: FeatureLabel;
  subtype?: SpuriousSubtype;
  note?: string;
  /** Set on an accepted machine suggestion; absent on a person's label. */
  origin?: LabelOrigin;
}

/** Where labels live; the session only needs these operations (the annotations file implements them). */
export interface LabelStore {
  /** Every labeled pair. */
  entries(): Array<{ cls: string; feature: number; verdict: FeatureVerdict }>;
  /** Sets or clears (null) a pair's label and persists it before resolving. */
  set(cls: string, feature: number, verdict: FeatureVerdict | null): Promise<void>;
}
