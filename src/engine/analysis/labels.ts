import type { FeatureVerdict, LabelStore } from '../annotations/labelStore';

// The verdict and the store's operations are defined beside the annotation file that implements them.
export type { FeatureVerdict, LabelStore } from '../annotations/labelStore';

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
