// Measured sensitivities survive a window reload: the extension host (and its session cache) restarts, so the
// webview keeps them in its own saved state, with the dataset, the model and each class's labels they were
// measured under. A restored entry is shown again only once its class's cards arrive with the same features and
// labels (a spurious feature's mask depends on the class's core features), and only for the same dataset and model.
import { CORRUPTIONS, type FeatureCard, type SensitivityView } from '../../shared/protocol';

/** The labels a class's sensitivities were measured under: "feature:label:subtype" of every card, sorted. */
export function labelSignature(cards: readonly FeatureCard[]): string {
  return cards.map((c) => `${c.feature}:${c.label ?? ''}:${c.subtype ?? ''}`).sort().join(',');
}

/** One class's saved sensitivities and the labels they were measured under. */
export interface SavedClass {
  labels: string;
  results: SensitivityView[];
}

/** What the webview saves: the dataset root and model name, then per class its measured features. */
export interface SavedSensitivity {
  root: string;
  model: string;
  classes: Record<string, SavedClass>;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const obj = (v: unknown): Record<string, unknown> | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null);

function drops(v: unknown): Record<(typeof CORRUPTIONS)[number], number> | null {
  const o = obj(v);
  if (!o || !CORRUPTIONS.every((c) => isNum(o[c]))) return null;
  return Object.fromEntries(CORRUPTIONS.map((c) => [c, o[c] as number])) as Record<(typeof CORRUPTIONS)[number], number>;
}

/** One saved result, or null when any field is missing or of the wrong type. */
function restoreResult(v: unknown, cls: string): SensitivityView | null {
  const o = obj(v);
  if (!o || o.class !== cls || !isNum(o.feature) || !Number.isInteger(o.feature) || !isNum(o.images) || !isNum(o.clean)) return null;
  const d = drops(o.drops);
  const p = drops(o.probabilityDrops);
  if (!d || !p) return null;
  return { class: cls, feature: o.feature, images: o.images, clean: o.clean, drops: d, probabilityDrops: p, note: typeof o.note === 'string' ? o.note : null };
}

/** Rebuilds saved sensitivities from whatever getState() held; null when there is nothing usable (bad entries are dropped one by one). */
export function restoreSensitivity(saved: unknown): SavedSensitivity | null {
  const o = obj(saved);
  const classes = obj(o?.classes);
  if (!o || typeof o.root !== 'string' || typeof o.model !== 'string' || !classes) return null;
  const out: Record<string, SavedClass> = {};
  for (const [cls, v] of Object.entries(classes)) {
    const c = obj(v);
    if (!c || typeof c.labels !== 'string' || !Array.isArray(c.results)) continue;
    const results = c.results.map((r) => restoreResult(r, cls)).filter((r): r is SensitivityView => r !== null);
    if (results.length) out[cls] = { labels: c.labels, results };
  }
  return Object.keys(out).length ? { root: o.root, model: o.model, classes: out } : null;
}

/**
 * What to save: the measured sensitivities of classes whose cards are known (under their current labels), plus the
 * restored classes not shown since the reload (still pending). Null when there is nothing to save.
 */
export function sensitivityToSave(panel: { dataset: { root: string }; model: { name: string } } | null, sensitivity: ReadonlyMap<string, SensitivityView>,
  cards: ReadonlyMap<string, readonly FeatureCard[]>, pending: SavedSensitivity | null): SavedSensitivity | null {
  if (!panel) return null;
  const classes: Record<string, SavedClass> = {};
  if (pending && pending.root === panel.dataset.root && pending.model === panel.model.name) Object.assign(classes, pending.classes);
  // a class shown since the reload is no longer pending: what it shows now replaces what was saved
  const shown: Record<string, SavedClass> = {};
  for (const v of sensitivity.values()) {
    const c = cards.get(v.class);
    if (c) (shown[v.class] ??= { labels: labelSignature(c), results: [] }).results.push(v);
  }
  Object.assign(classes, shown);
  return Object.keys(classes).length ? { root: panel.dataset.root, model: panel.model.name, classes } : null;
}
