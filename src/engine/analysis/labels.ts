/** A human's verdict on a (class, feature) pair. */
export interface FeatureVerdict {
  label: 'core' | 'spurious';
  subtype?: 'background' | 'separate_object';
  note?: string;
}

/** Where labels live; the session only needs these operations (the annotations file implements them). */
export interface LabelStore {
  /** Every labeled pair. */
  entries(): Array<{ cls: string; feature: number; verdict: FeatureVerdict }>;
  /** Sets or clears (null) a pair's label and persists it before resolving. */
  set(cls: string, feature: number, verdict: FeatureVerdict | null): Promise<void>;
}

/** A LabelStore in memory, for tests and for runs that must not write a file. */
export class MemoryLabelStore implements LabelStore {
  private readonly map = new Map<string, { cls: string; feature: number; verdict: FeatureVerdict }>();

  constructor(initial: Array<{ cls: string; feature: number; verdict: FeatureVerdict }> = []) {
    for (const e of initial) this.map.set(`${e.cls}\0${e.feature}`, e);
  }

  /** Every labeled pair. */
  entries() {
    return [...this.map.values()];
  }

  /** Sets or clears a pair's label. */
  async set(cls: string, feature: number, verdict: FeatureVerdict | null): Promise<void> {
    const key = `${cls}\0${feature}`;
    if (verdict) this.map.set(key, { cls, feature, verdict });
    else this.map.delete(key);
  }
}
