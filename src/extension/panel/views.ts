// Gallery pages, feature cards and image details: the session (in its child process) picks the images and their
// facts; here they become webview URIs of cached thumbnails/heatmaps (never image bytes). The host holds no feature.
import * as vscode from 'vscode';
import type { ClassPageResult, FeatureCardData, ImageDetailResult } from '../../engine/api/analysis';
import type { ServedPageRow } from '../../engine/api/sessionChild';
import type { HeatLayers } from '../../engine/api/stores';
import type { ClassPage, ClassPageItem, FeatureCard, GalleryFilter, HeatChoice, HeatInfo, ImageDetail, SortOrder, Split } from '../../shared/protocol';
import type { PanelBackend } from './backend';
import { toProtocolLabel } from './viewModel';
import { cardSuggestionFields, panelSuggestions } from './suggestions';

const uriOf = (webview: vscode.Webview, path: string) => webview.asWebviewUri(vscode.Uri.file(path)).toString();

/** A page as the session answers it: its rows carry the predicted class's probability, and the overlay's features when asked. */
type ServedPage = Omit<ClassPageResult, 'rows'> & { rows: ServedPageRow[]; overlay?: { features: number[]; note: string | null } };

/** Head-space id of a class name in the backend's session, or undefined. */
function classIdOf(b: PanelBackend, name: string): number | undefined {
  const i = b.overview()?.classNames.indexOf(name) ?? -1;
  return i >= 0 ? i : undefined;
}

/**
 * One gallery page of a class's images in ranking order, optionally filtered (correct / wrong, predicted class, the
 * label-error flag of `labelErrors`, from the review file). With the overlay each tile carries the model's crop and a
 * heat layer: the chosen features' mean NAM (the class's spurious features by default, its core features, or one
 * feature) through the colormap alone, for the panel to lay over the crop at its own opacity.
 */
export async function classPage(
  b: PanelBackend, webview: vscode.Webview,
  req: { class: string; order: SortOrder; offset: number; count: number; overlay: boolean; split?: Split; heat?: HeatChoice; filter?: GalleryFilter },
  labelErrors?: ReadonlySet<string>,
): Promise<ClassPage | undefined> {
  const s = b.session();
  const cls = classIdOf(b, req.class);
  if (!s || cls === undefined) return undefined;
  const split = req.split ?? 'val';
  const f = req.filter;
  let predicted: number | undefined;
  if (f?.predicted !== undefined) {
    predicted = classIdOf(b, f.predicted);
    if (predicted === undefined) return { class: req.class, order: req.order, split, offset: req.offset, overlay: req.overlay, items: [], total: 0, classTotal: 0, filter: f };
  }
  const filter = f ? { correct: f.correct, predicted, labelError: f.labelError, labelErrors: f.labelError === undefined ? undefined : [...(labelErrors ?? [])] } : undefined;
  const page = await s.ask<ServedPage>({
    kind: 'classPage', request: { cls, split, order: req.order, offset: req.offset, count: req.count, filter },
    ...(req.overlay ? { overlay: req.heat ?? { mode: 'spurious' } } : {}),
  });
  const entries = page.rows.map((r) => r.entry);
  b.remember(entries);
  const thumbs = await Promise.all(entries.map((e) => b.thumbs()!.ensure(e)));
  let layers: Map<string, HeatLayers> | undefined;
  let heat: HeatInfo | undefined;
  if (req.overlay && page.overlay) {
    const hm = b.heatmaps()!;
    const { features, note } = page.overlay;
    layers = features.length ? await hm.layers(entries, features) : undefined;
    heat = { mode: req.heat?.mode ?? 'spurious', features, colormap: hm.colormap, note };
  }
  const items: ClassPageItem[] = page.rows.map((r, j) => {
    const rel = r.entry.rel;
    const l = layers?.get(rel);
    return {
      id: rel, thumbUri: uriOf(webview, thumbs[j]), spuriosity: r.spuriosity,
      label: r.label, predicted: r.predicted, correct: r.correct, confidence: r.confidence, rank: r.rank,
      ...(labelErrors ? { labelError: labelErrors.has(rel) } : {}),
      ...(l ? { heatUri: uriOf(webview, l.heat), baseUri: uriOf(webview, l.base) } : {}),
    };
  });
  return {
    class: req.class, order: req.order, split, offset: req.offset, overlay: req.overlay, items, total: page.total, classTotal: page.classTotal,
    ...(req.filter ? { filter: req.filter } : {}), ...(heat ? { heat } : {}),
  };
}

/** The class's top features for labeling, each with its most-activating images and their heatmaps. */
export async function featureCards(b: PanelBackend, webview: vscode.Webview, className: string): Promise<FeatureCard[]> {
  const s = b.session();
  const cls = classIdOf(b, className);
  if (!s || cls === undefined) return [];
  const cards: FeatureCard[] = [];
  const suggestions = await panelSuggestions(b);
  for (const card of await s.ask<FeatureCardData[]>({ kind: 'featureCards', cls })) {
    const entries = card.images.map((im) => im.entry);
    b.remember(entries);
    const [thumbs, heat] = await Promise.all([
      Promise.all(entries.map((e) => b.thumbs()!.ensure(e))),
      b.heatmaps()!.perFeature(entries, [card.feature]),
    ]);
    cards.push({
      class: className, feature: card.feature, rank: card.rank, importance: card.importance, perFeatureGap: card.perFeatureGap,
      ...toProtocolLabel(card.verdict),
      images: card.images.map((im, j) => ({ id: im.entry.rel, thumbUri: uriOf(webview, thumbs[j]), heatUri: uriOf(webview, heat.get(im.entry.rel)![0]), activation: im.activation })),
      ...cardSuggestionFields(suggestions, className, card),
    });
  }
  return cards;
}

/** Detail of one image: prediction, spuriosity, rank, and one heatmap per top feature of its class. */
export async function imageDetail(b: PanelBackend, webview: vscode.Webview, id: string): Promise<ImageDetail | undefined> {
  const s = b.session();
  const entry = b.entry(id);
  if (!s || !entry) return undefined;
  const d = await s.ask<ImageDetailResult>({ kind: 'imageDetail', id: entry.rel });
  const [preview, heat] = await Promise.all([b.previews()!.ensure(entry), b.heatmaps()!.perFeature([entry], d.features.map((f) => f.feature))]);
  return {
    id: entry.rel, split: d.split, imageUri: uriOf(webview, preview), label: d.label, predicted: d.predicted, correct: d.correct,
    // from the head in use, a fitted one too (the session answers it)
    confidence: d.confidence, spuriosity: d.spuriosity, rank: d.rank,
    features: d.features.map((f, j) => ({
      feature: f.feature, ...toProtocolLabel(f.verdict), importance: f.importance, activation: f.activation, heatUri: uriOf(webview, heat.get(entry.rel)![j]),
    })),
  };
}
