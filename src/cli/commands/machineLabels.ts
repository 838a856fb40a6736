// Which labels are machine-made (accepted mask suggestions), for the reports: a gap from machine labels is a first
// estimate, and the reader must be able to tell it from one a person labeled.
import type { FeatureVerdict } from '../../engine/api/analysis';

/** The machine-made labels among a store's entries. */
export interface MachineLabels {
  list: Array<{ class: string; feature: number; label: string; source: string; score: number }>;
  total: number;
  has(cls: string, feature: number): boolean;
}

/** Picks the labels that carry a machine origin. */
export function machineLabels(entries: Array<{ cls: string; feature: number; verdict: FeatureVerdict }>): MachineLabels {
  const list = entries.filter((e) => e.verdict.origin).map((e) => ({
    class: e.cls, feature: e.feature, label: e.verdict.label, source: e.verdict.origin!.source, score: e.verdict.origin!.score,
  }));
  const keys = new Set(list.map((m) => `${m.class}\0${m.feature}`));
  return { list, total: entries.length, has: (cls, feature) => keys.has(`${cls}\0${feature}`) };
}

/** One line saying how many labels are machine-made, or null when none is. */
export function machineLabelLine(m: MachineLabels): string | null {
  if (!m.list.length) return null;
  const all = m.list.length === m.total;
  return `Labels: ${m.list.length} of ${m.total} machine-made (accepted mask suggestions)` +
    (all ? ': every ranking and gap here rests on machine labels alone, a first estimate until a person reviews them' : '');
}
