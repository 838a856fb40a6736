// Gallery pages, feature cards and image details: the engine's session queries pick the images and their facts;
// here they become webview URIs of cached thumbnails/heatmaps (never image bytes).
import * as vscode from 'vscode';
import { featureCards as sessionFeatureCards, imageDetail as sessionImageDetail } from '../../engine/analysis/queries/imageDetail';
import { headLogits, softmaxRows } from '../../core/linalg';
import type { AnalysisSession } from '../../engine/analysis/session';
import type { HeatLayers } from '../../engine/render/heatmaps';
import type { ClassPage, ClassPageItem, FeatureCard, GalleryFilter, HeatChoice, HeatInfo, ImageDetail, SortOrder, Split } from '../../shared/protocol';
import type { PanelBackend } from './backend';
import { toProtocolLabel } from './viewModel';

const uriOf = (webview: vscode.Webview, path: string) => webview.asWebviewUri(vscode.Uri.file(path)).toString();

/** Softmax probability of each row's predicted class under the head in use: the model's, a fitted or a tuned one. */
export function predictedProbabilities(s: AnalysisSession, rows: ArrayLike<number>): Float32Array {
  const out = new Float32Array(rows.length);
  if (rows.length === 0) return out;
  const probs = softmaxRows(headLogits(s.features, s.head, rows));
  for (let j = 0; j < rows.length; j++) out[j] = probs.data[j * probs.cols + s.predictions[rows[j]]];
  return out;
}

function confidenceOf(s: AnalysisSession, row: number): number | null {
  const p = predictedProbabilities(s, [row])[0];
  return Number.isFinite(p) ? p : null;
}

/** The features an overlay averages, with a note when they are a fallback (nothing labeled yet) or there are none. */
export function heatFeatures(s: AnalysisSession, cls: number, choice: HeatChoice): { features: number[]; note: string | null } {
  const name = s.classNames[cls];
  const top = s.importance[cls]?.top ?? [];
  if (choice.mode === 'feature') {
    const f = choice.feature ?? -1;
    if (!Number.isInteger(f) || f < 0 || f >= s.features.cols) throw new Error(`Feature ${f} does not exist: the model has features 0 to ${s.features.cols - 1}.`);
    return { features: [f], note: null };
  }
  const verdicts = s.verdicts(cls);
  if (choice.mode === 'core') {
    const core = top.filter((f) => verdicts.get(f)?.label === 'core');
    return core.length ? { features: core, note: null } : { features: [], note: `no top feature of ${name} is labeled core yet: label one in the Labeling tab` };
  }
  const spurious = s.spuriosity.spurious[cls] ?? [];
  return spurious.length ? { features: [...spurious], note: null } : { features: [...top], note: `no feature of ${name} is labeled spurious yet: the mean of its top features` };
}

/** A class's images of one split in ascending ranking order when it has a ranking (else by image index), and their scores. */
function rankedRows(s: AnalysisSession, cls: number, split: Split): { ids: Int32Array; scores: Float32Array | null } {
  const r = s.spuriosity.rankings[cls]?.[split];
  return r ? { ids: r.order, scores: r.scores } : { ids: split === 'val' ? s.index.val[cls] : s.index.train[cls], scores: null };
}

/** Positions (into the ascending list) of the images that pass the filter; the review file's label errors come in `labelErrors`. */
function keptPositions(s: AnalysisSession, ids: Int32Array, f: GalleryFilter | undefined, labelErrors: ReadonlySet<string> | undefined): number[] {
  const all = Array.from({ length: ids.length }, (_, j) => j);
  if (!f || (f.correct === undefined && f.predicted === undefined && f.labelError === undefined)) return all;
  const predicted = f.predicted === undefined ? undefined : s.classId(f.predicted);
  if (f.predicted !== undefined && predicted === undefined) return [];
  return all.filter((j) => {
    const i = ids[j];
    if (f.correct !== undefined && (s.correct[i] === 1) !== f.correct) return false;
    if (predicted !== undefined && s.predictions[i] !== predicted) return false;
    return f.labelError === undefined || (labelErrors?.has(s.entries[i].rel) ?? false) === f.labelError;
  });
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
  const cls = s?.classId(req.class);
  if (!s || cls === undefined) return undefined;
  const split = req.split ?? 'val';
  const { ids, scores } = rankedRows(s, cls, split);
  // positions into the ascending list, so every tile knows its rank whatever the order and the filter
  const kept = keptPositions(s, ids, req.filter, labelErrors);
  if (req.order === 'desc') kept.reverse();
  const positions = kept.slice(req.offset, req.offset + req.count);
  const rows = positions.map((j) => ids[j]);
  const entries = rows.map((i) => s.entries[i]);
  const thumbs = await Promise.all(entries.map((e) => b.thumbs()!.ensure(e)));
  const probs = predictedProbabilities(s, rows);
  let layers: Map<string, HeatLayers> | undefined;
  let heat: HeatInfo | undefined;
  if (req.overlay) {
    const hm = b.heatmaps()!;
    const { features, note } = heatFeatures(s, cls, req.heat ?? { mode: 'spurious' });
    layers = features.length ? await hm.layers(entries, features) : undefined;
    heat = { mode: req.heat?.mode ?? 'spurious', features, colormap: hm.colormap, note };
  }
  const items: ClassPageItem[] = rows.map((i, j) => {
    const rel = s.entries[i].rel;
    const l = layers?.get(rel);
    return {
      id: rel, thumbUri: uriOf(webview, thumbs[j]), spuriosity: scores ? scores[positions[j]] : null,
      label: s.classNames[s.labels[i]], predicted: s.classNames[s.predictions[i]] ?? `#${s.predictions[i]}`, correct: s.correct[i] === 1,
      confidence: Number.isFinite(probs[j]) ? probs[j] : null, rank: positions[j],
      ...(labelErrors ? { labelError: labelErrors.has(rel) } : {}),
      ...(l ? { heatUri: uriOf(webview, l.heat), baseUri: uriOf(webview, l.base) } : {}),
    };
  });
  return {
    class: req.class, order: req.order, split, offset: req.offset, overlay: req.overlay, items, total: kept.length, classTotal: ids.length,
    ...(req.filter ? { filter: req.filter } : {}), ...(heat ? { heat } : {}),
  };
}

/** The class's top features for labeling, each with its most-activating images and their heatmaps. */
export async function featureCards(b: PanelBackend, webview: vscode.Webview, className: string): Promise<FeatureCard[]> {
  const s = b.session();
  const cls = s?.classId(className);
  if (!s || cls === undefined) return [];
  const cards: FeatureCard[] = [];
  for (const card of sessionFeatureCards(s, cls)) {
    const entries = card.images.map((im) => im.entry);
    const [thumbs, heat] = await Promise.all([
      Promise.all(entries.map((e) => b.thumbs()!.ensure(e))),
      b.heatmaps()!.perFeature(entries, [card.feature]),
    ]);
    cards.push({
      class: className, feature: card.feature, rank: card.rank, importance: card.importance, perFeatureGap: card.perFeatureGap,
      ...toProtocolLabel(card.verdict),
      images: card.images.map((im, j) => ({ id: im.entry.rel, thumbUri: uriOf(webview, thumbs[j]), heatUri: uriOf(webview, heat.get(im.entry.rel)![0]), activation: im.activation })),
    });
  }
  return cards;
}

/** Detail of one image: prediction, spuriosity, rank, and one heatmap per top feature of its class. */
export async function imageDetail(b: PanelBackend, webview: vscode.Webview, id: string): Promise<ImageDetail | undefined> {
  const s = b.session();
  const entry = b.entry(id);
  const i = entry ? s?.indexOf(entry.rel) : undefined;
  if (!s || !entry || i === undefined) return undefined;
  const d = sessionImageDetail(s, i);
  const [preview, heat] = await Promise.all([b.previews()!.ensure(entry), b.heatmaps()!.perFeature([entry], d.features.map((f) => f.feature))]);
  return {
    id: entry.rel, split: d.split, imageUri: uriOf(webview, preview), label: d.label, predicted: d.predicted, correct: d.correct,
    // from the head in use, a fitted one too (the session query's confidence is the model head's only)
    confidence: confidenceOf(s, i), spuriosity: d.spuriosity, rank: d.rank,
    features: d.features.map((f, j) => ({
      feature: f.feature, ...toProtocolLabel(f.verdict), importance: f.importance, activation: f.activation, heatUri: uriOf(webview, heat.get(entry.rel)![j]),
    })),
  };
}
