// Mask suggestions in the Labeling view: each card's badge comes from the suggestions file beside the annotations
// (written by `spuriosity annotations suggest`); accepting one, a class's confident ones or every class's turns them
// into labels with their origin recorded, and never replaces a label a person gave.
import { readSuggestionFile, type PairSuggestion, type SuggestionFile } from '../../engine/api/stores';
import type { FeatureCardData } from '../../engine/api/analysis';
import type { CardSuggestion, FeatureCard } from '../../shared/protocol';
import type { PanelBackend } from './backend';

/** What a card shows when no suggestions were computed for this dataset and model. */
export const NO_SUGGESTIONS_NOTE = 'no mask suggestions yet: put object masks in <dataset>/masks (<stem>.png per image) or set spuriosityLens.masksFolder / segmenterPath, then press Suggest labels from masks';

/** The backend's suggestions file, or null when there is none (or it cannot be read: the note says so). */
export async function panelSuggestions(b: PanelBackend): Promise<{ file: SuggestionFile | null; note: string | null }> {
  const path = b.suggestionsPath?.();
  if (!path) return { file: null, note: 'no mask suggestions for a compared model: run `spuriosity annotations suggest` with --model' };
  try {
    const file = await readSuggestionFile(path);
    return file ? { file, note: null } : { file: null, note: NO_SUGGESTIONS_NOTE };
  } catch (e) {
    return { file: null, note: (e as Error).message };
  }
}

function toCard(p: PairSuggestion): CardSuggestion | null {
  if (p.suggestion === null || p.score === null) return null;
  return { label: p.suggestion, subtype: p.suggestion === 'spurious' ? 'background' : null, share: p.score, sd: p.sd, images: p.images };
}

/** A card's suggestion fields from the file (a pair the file does not list has none, with the reason). */
export function cardSuggestionFields(s: { file: SuggestionFile | null; note: string | null }, cls: string, card: FeatureCardData): Pick<FeatureCard, 'suggestion' | 'suggestionNote' | 'machine'> {
  const machine = card.verdict?.origin !== undefined;
  if (!s.file) return { suggestion: null, suggestionNote: s.note, machine };
  const p = s.file.pairs[cls]?.[String(card.feature)];
  if (!p) return { suggestion: null, suggestionNote: 'not scored: the suggestions predate this top feature; run `spuriosity annotations suggest` again', machine };
  return { suggestion: toCard(p), suggestionNote: p.why, machine };
}

/**
 * Accepts suggestions through the backend (so rankings follow): one feature, the class's confident ones, or every
 * class's; pairs a person labeled are kept. Returns how many were accepted and kept, and the classes whose labels changed.
 */
export async function acceptInPanel(b: PanelBackend, scope: { class?: string; feature?: number }): Promise<{ accepted: number; kept: number; changed: string[]; note: string | null }> {
  const s = await panelSuggestions(b);
  const session = b.session();
  const ov = b.overview();
  if (!s.file || !session || !ov) return { accepted: 0, kept: 0, changed: [], note: s.note };
  const changed = new Set<string>();
  let accepted = 0;
  let kept = 0;
  for (const [cls, feats] of Object.entries(s.file.pairs)) {
    if (scope.class !== undefined && cls !== scope.class) continue;
    const id = ov.classNames.indexOf(cls);
    if (id < 0) continue;
    const cards = await session.ask<FeatureCardData[]>({ kind: 'featureCards', cls: id });
    for (const card of cards) {
      if (scope.feature !== undefined && card.feature !== scope.feature) continue;
      const p = feats[String(card.feature)];
      const c = p && toCard(p);
      if (!c || p.score === null) continue;
      if (card.verdict && !card.verdict.origin) { kept++; continue; }
      await b.setLabel(cls, card.feature, c.label, c.subtype ?? undefined, { by: 'mask-suggestion', source: s.file.source, score: p.score });
      accepted++;
      changed.add(cls);
    }
  }
  return { accepted, kept, changed: [...changed], note: null };
}
