// Keyboard model of the labeling view: a practised user labels a class in under 30 s, so every
// action has a single key and labeling a feature moves on to the next one.
import type { FeatureCard, FeatureLabel, SpuriousSubtype } from '../../shared/protocol';

/** What a key press does in the labeling view. */
export type LabelAction =
  | { kind: 'label'; label: FeatureLabel | null; subtype?: SpuriousSubtype }
  | { kind: 'move'; delta: 1 | -1 }
  | { kind: 'class'; delta: 1 | -1 }
  /** Accept the focused card's machine suggestion (from object masks) as its label. */
  | { kind: 'accept' };

/** Key to action, or null for keys the view leaves alone (modifiers keep browser/editor shortcuts working). */
export function keyToAction(key: string, mods: { ctrl?: boolean; meta?: boolean; alt?: boolean } = {}): LabelAction | null {
  if (mods.ctrl || mods.meta || mods.alt) return null;
  switch (key) {
    case 'c': return { kind: 'label', label: 'core' };
    case 's': return { kind: 'label', label: 'spurious' };
    case 'b': return { kind: 'label', label: 'spurious', subtype: 'background' };
    case 'o': return { kind: 'label', label: 'spurious', subtype: 'separate_object' };
    case 'x': case 'Backspace': case 'Delete': return { kind: 'label', label: null };
    case 'j': case 'ArrowDown': case 'ArrowRight': return { kind: 'move', delta: 1 };
    case 'k': case 'ArrowUp': case 'ArrowLeft': return { kind: 'move', delta: -1 };
    case 'n': return { kind: 'class', delta: 1 };
    case 'p': return { kind: 'class', delta: -1 };
    case 'Enter': return { kind: 'accept' };
    default: return null;
  }
}

/** The badge of a machine suggestion: "core: 83% on the object". */
export function suggestionText(s: { label: FeatureLabel; subtype: SpuriousSubtype | null; share: number }): string {
  return `${labelText(s.label, s.subtype)}: ${Math.round(s.share * 100)}% on the object`;
}

/** Whether Enter may accept the card's suggestion: there is one, and no person has labeled the card. */
export function canAccept(c: Pick<FeatureCard, 'suggestion' | 'label' | 'machine'>): boolean {
  return !!c.suggestion && (c.label === null || c.machine === true);
}

/** Short text of a label for chips and ARIA. */
export function labelText(label: FeatureLabel | null, subtype: SpuriousSubtype | null): string {
  if (label === null) return 'unlabeled';
  if (label === 'core') return 'core';
  return subtype === 'background' ? 'spurious: background' : subtype === 'separate_object' ? 'spurious: separate object' : 'spurious';
}

/**
 * Card to focus after labeling card i (`cards` already hold the new label): the next unlabeled card after it, else
 * an unlabeled one skipped before it, else the next card (staying on the last one).
 */
export function focusAfterLabel(cards: readonly Pick<FeatureCard, 'label'>[], i: number): number {
  for (let j = i + 1; j < cards.length; j++) if (cards[j].label === null) return j;
  for (let j = 0; j < i; j++) if (cards[j].label === null) return j;
  return Math.min(i + 1, cards.length - 1);
}

/** Next class in labeling order after `current`, preferring unlabeled ones; wraps; null when order is empty. */
export function nextClass(order: readonly string[], current: string | null, labeled: ReadonlySet<string>, delta: 1 | -1 = 1): string | null {
  if (order.length === 0) return null;
  const start = current === null ? -1 : order.indexOf(current);
  if (delta === -1) return order[((start < 0 ? 0 : start) - 1 + order.length) % order.length];
  for (let step = 1; step <= order.length; step++) {
    const c = order[(start + step + order.length) % order.length];
    if (!labeled.has(c) && c !== current) return c;
  }
  return order[(start + 1) % order.length];
}

/** Index of the first unlabeled card, or 0 when every card has a label (or there are none). */
export function firstUnlabeled(cards: readonly Pick<FeatureCard, 'label'>[]): number {
  const i = cards.findIndex((c) => c.label === null);
  return i < 0 ? 0 : i;
}

/**
 * Where labeling goes once `done` has every top feature labeled: the next class in labeling order after it that is
 * not labeled yet (searching on from `done`, then from the start, since earlier classes may have been skipped),
 * or null when every class is labeled: the view then shows its all-done state instead of wrapping to the first.
 */
export function classAfterDone(order: readonly string[], done: string, labeled: ReadonlySet<string>): string | null {
  const start = order.indexOf(done);
  for (let step = 1; step < order.length; step++) {
    const c = order[(start + step + order.length) % order.length];
    if (c !== done && !labeled.has(c)) return c;
  }
  return null;
}

/** "seven done, 3 of 4 classes labeled": what the view says when a class gets its last label. */
export function classDoneText(done: string, labeledCount: number, total: number): string {
  return `${done} done, ${labeledCount} of ${total} ${total === 1 ? 'class' : 'classes'} labeled`;
}
