// Progress bookkeeping for one run: counts, rate, ETA, and throttled reporting.
import type { ExtractProgress } from './types';

/** Reports progress at most every `intervalMs` (phase changes and the end always get through). */
export class ProgressTracker {
  cached = 0;
  failed = 0;
  computed = 0;
  private phase: ExtractProgress['phase'] = 'loading-model';
  private startMs = 0;
  private lastEmit = -Infinity;
  private toCompute = 0;

  constructor(private readonly total: number, private readonly onProgress?: (p: ExtractProgress) => void, private readonly intervalMs = 100) {}

  /** Enters a phase and reports it. */
  enter(phase: ExtractProgress['phase'], toCompute = 0): void {
    this.phase = phase;
    if (phase === 'extracting') {
      this.startMs = performance.now();
      this.toCompute = toCompute;
    }
    this.emit(true);
  }

  /** Reports the current counts (throttled unless forced). */
  emit(force = false): void {
    if (!this.onProgress) return;
    const now = performance.now();
    if (!force && now - this.lastEmit < this.intervalMs) return;
    this.lastEmit = now;
    this.onProgress(this.snapshot());
  }

  /** The current progress. */
  snapshot(): ExtractProgress {
    const elapsed = (performance.now() - this.startMs) / 1000;
    const rate = this.phase === 'extracting' || this.phase === 'done' ? (elapsed > 0 && this.computed > 0 ? this.computed / elapsed : 0) : 0;
    const remaining = this.phase === 'done' ? 0 : Math.max(0, this.total - this.cached - this.failed - this.computed);
    return {
      phase: this.phase,
      done: this.cached + this.failed + this.computed,
      total: this.total,
      cached: this.cached,
      failed: this.failed,
      imagesPerSecond: rate,
      etaSeconds: this.phase === 'done' ? 0 : rate > 0 ? remaining / rate : this.toCompute === 0 && this.phase === 'extracting' ? 0 : null,
    };
  }
}
