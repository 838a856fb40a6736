// Shapes mitigation results for the charts and the method picker.
import { signed } from '../../shared/signed';
import type { TuningMethod, MitigationResult } from '../../shared/protocol';

/** Human names of the methods. */
export const METHOD_NAMES: Record<TuningMethod, string> = {
  'low-spuriosity': 'Low-spuriosity tuning',
  random: 'Random images',
  error: 'Error tuning',
};

/** Grouped bars of the before/after chart: one group per method, gap and accuracy before and after, in points. */
export function beforeAfterSeries(results: readonly MitigationResult[]): { labels: string[]; series: Array<{ name: string; values: Array<number | null> }> } {
  const pts = (x: number | null): number | null => (x === null ? null : +(x * 100).toFixed(2));
  return {
    labels: results.map((r) => METHOD_NAMES[r.method]),
    series: [
      { name: 'Gap before', values: results.map((r) => pts(r.before.gap)) },
      { name: 'Gap after', values: results.map((r) => pts(r.after.gap)) },
      { name: 'Accuracy before', values: results.map((r) => pts(r.before.accuracy)) },
      { name: 'Accuracy after', values: results.map((r) => pts(r.after.accuracy)) },
    ],
  };
}

/** One line summing up a run: "gap +14.0 → +3.2 pts, accuracy 81.0% → 79.5% in 6 rounds (stopped: converged)", naming the rule that stopped it. */
export function resultSummary(r: MitigationResult): string {
  const g = (x: number | null): string => (x === null ? '—' : signed(x * 100, 1, true));
  const a = (x: number): string => `${(x * 100).toFixed(1)}%`;
  return `gap ${g(r.before.gap)} → ${g(r.after.gap)} pts, accuracy ${a(r.before.accuracy)} → ${a(r.after.accuracy)} ` +
    `in ${r.epochs} ${r.optimizer === 'lbfgs' ? (r.epochs === 1 ? 'round' : 'rounds') : r.epochs === 1 ? 'epoch' : 'epochs'}${stopNote(r)}`;
}

const STOP_NOTES: Record<NonNullable<MitigationResult['stoppedBecause']>, string> = {
  'below-threshold': ' (stopped early: gap below target)',
  'max-epochs': ' (stopped: last epoch)',
  'max-iterations': ' (stopped: iteration budget used)',
  converged: ' (stopped: converged)',
  'accuracy-guard': ' (stopped: the next round cost more accuracy than allowed)',
  aborted: ' (cancelled)',
};

function stopNote(r: MitigationResult): string {
  if (r.stoppedBecause) return STOP_NOTES[r.stoppedBecause];
  return r.stoppedEarly ? STOP_NOTES['below-threshold'] : '';
}
