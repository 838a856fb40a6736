// Number formatting shared by every view. Gaps and accuracies arrive on a 0..1 scale; people
// read them as percentage points, so that is the only unit the panel shows. Every sign is shared/signed's U+2212.
import type { Interval } from '../../shared/protocol';
import { signed } from '../../shared/signed';

/** Accuracy 0..1 as "87.5%", or an em dash when unknown. */
export function formatPercent(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return `${(x * 100).toFixed(digits)}%`;
}

/** A signed difference 0..1 as percentage points, "+12.3" or "−4.0" (true minus sign). */
export function formatPoints(x: number | null | undefined, digits = 1): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  return signed(x * 100, digits, true);
}

/** A plain number with the panel's one minus sign (U+2212), e.g. an importance or an activation. */
export function formatNumber(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined ? '—' : signed(x, digits);
}

/** "+12.3 pts [+8.1, +16.4]": a gap with its 95% interval. */
export function formatInterval(iv: Interval | null | undefined, digits = 1): string {
  if (!iv) return '—';
  return `${formatPoints(iv.value, digits)} pts [${formatPoints(iv.lo, digits)}, ${formatPoints(iv.hi, digits)}]`;
}

/** Integer with thousands separators (locale-independent, so screenshots and tests are stable). */
export function formatCount(n: number): string {
  if (!Number.isFinite(n)) return '—';
  return Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Spuriosity z-score to two decimals with sign. */
export function formatZ(z: number | null | undefined): string {
  if (z === null || z === undefined || !Number.isFinite(z)) return '—';
  const s = signed(z, 2, true);
  return Number(Math.abs(z).toFixed(2)) === 0 ? `+${s}` : s;
}

/** "3 of 10 classes labeled". */
export function progressText(done: number, total: number): string {
  return `${formatCount(done)} of ${formatCount(total)} ${total === 1 ? 'class' : 'classes'} labeled`;
}
