// Builds gallery pages, feature cards and image details: picks images from the session's rankings and
// turns cached thumbnails/heatmaps into webview URIs (never image bytes).
import * as vscode from 'vscode';
import type { ClassPage, ClassPageItem, FeatureCard, ImageDetail, SortOrder, Split } from '../../shared/protocol';
import type { PanelBackend } from './backend';
import { toProtocolLabel } from './viewModel';

const uriOf = (webview: vscode.Webview, path: string) => webview.asWebviewUri(vscode.Uri.file(path)).toString();

/** Images of a class in one split, in ranking order when the class has a ranking, else by image index. */
function orderedImages(b: PanelBackend, cls: number, split: Split, order: SortOrder): { ids: Int32Array; scores: Float32Array | null } {
  const s = b.session()!;
  const r = s.spuriosity.rankings[cls]?.[split];
  const ids = r ? r.order : (split === 'val' ? s.index.val[cls] : s.index.train[cls]);
  const scores = r ? r.scores : null;
  if (order === 'asc') return { ids, scores };
  return { ids: ids.slice().reverse(), scores: scores ? scores.slice().reverse() : null };
}

/** One gallery page; heat overlays show the mean NAM of the class's spurious features (or its top features when none is labeled yet). */
export async function classPage(b: PanelBackend, webview: vscode.Webview, req: { class: string; order: SortOrder; offset: number; count: number; overlay: boolean; split?: Split }): Promise<ClassPage | undefined> {
  const s = b.session();
  const cls = s?.classId(req.class);
  if (!s || cls === undefined) return undefined;
  const split = req.split ?? 'val';
  const { ids, scores } = orderedImages(b, cls, split, req.order);
  const slice = Array.from(ids.subarray(req.offset, req.offset + req.count));
  const entries = slice.map((i) => s.entries[i]);
  const thumbs = await Promise.all(entries.map((e) => b.thumbs()!.ensure(e)));
  let heat: Map<string, string> | undefined;
  if (req.overlay) {
    const feats = s.spuriosity.spurious[cls].length ? s.spuriosity.spurious[cls] : (s.importance[cls]?.top ?? []);
    heat = await b.heatmaps()!.combined(entries, feats);
  }
  const items: ClassPageItem[] = slice.map((i, j) => ({
    id: s.entries[i].rel,
    thumbUri: uriOf(webview, thumbs[j]),
    spuriosity: scores ? scores[req.offset + j] : null,
    label: s.classNames[s.labels[i]],
    predicted: s.classNames[s.predictions[i]] ?? `#${s.predictions[i]}`,
    correct: s.correct[i] === 1,
    ...(heat?.get(s.entries[i].rel) ? { heatUri: uriOf(webview, heat.get(s.entries[i].rel)!) } : {}),
  }));
  return { class: req.class, order: req.order, split, offset: req.offset, overlay: req.overlay, items, total: ids.length };
}

/** The class's top features for labeling, each with its most-activating images and their heatmaps. */
export async function featureCards(b: PanelBackend, webview: vscode.Webview, className: string): Promise<FeatureCard[]> {
  const s = b.session();
  const cls = s?.classId(className);
  if (!s || cls === undefined) return [];
  const imp = s.importance[cls];
  const gaps = s.featureGapsByClass.get(cls) ?? [];
  const verdicts = s.verdicts(cls);
  const cards: FeatureCard[] = [];
  for (const [rank, feature] of imp.top.entries()) {
    const g = gaps.find((x) => x.feature === feature);
    const ids = g?.topImages ?? [];
    const entries = ids.map((i) => s.entries[i]);
    const [thumbs, heat] = await Promise.all([
      Promise.all(entries.map((e) => b.thumbs()!.ensure(e))),
      b.heatmaps()!.perFeature(entries, [feature]),
    ]);
    cards.push({
      class: className,
      feature,
      rank,
      importance: imp.topImportance[rank],
      perFeatureGap: g && Number.isFinite(g.gap) ? g.gap : null,
      ...toProtocolLabel(verdicts.get(feature)),
      images: entries.map((e, j) => ({
        id: e.rel,
        thumbUri: uriOf(webview, thumbs[j]),
        heatUri: uriOf(webview, heat.get(e.rel)![0]),
        activation: s.features.data[ids[j] * s.features.cols + feature],
      })),
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
  const cls = s.labels[i];
  const top = s.importance[cls]?.top ?? [];
  const [preview, heat] = await Promise.all([b.previews()!.ensure(entry), b.heatmaps()!.perFeature([entry], top)]);
  const split: Split = entry.split;
  const ranking = s.spuriosity.rankings[cls]?.[split];
  const pos = ranking ? ranking.order.indexOf(i) : -1;
  const logits = s.extraction.logits;
  const C = s.model.classes;
  let confidence: number | null = null;
  if (s.headSource === 'model') {
    // softmax probability of the predicted class from the cached logits
    let max = -Infinity;
    for (let c = 0; c < C; c++) max = Math.max(max, logits[i * C + c]);
    let sum = 0;
    for (let c = 0; c < C; c++) sum += Math.exp(logits[i * C + c] - max);
    confidence = Math.exp(logits[i * C + s.predictions[i]] - max) / sum;
  }
  const verdicts = s.verdicts(cls);
  const score = s.spuriosity.scores[i];
  return {
    id: entry.rel,
    split,
    imageUri: uriOf(webview, preview),
    label: s.classNames[cls],
    predicted: s.classNames[s.predictions[i]] ?? `#${s.predictions[i]}`,
    correct: s.correct[i] === 1,
    confidence,
    spuriosity: Number.isFinite(score) ? score : null,
    rank: pos >= 0 ? { position: pos, total: ranking!.order.length } : null,
    features: top.map((f, j) => ({
      feature: f,
      ...toProtocolLabel(verdicts.get(f)),
      importance: s.importance[cls].topImportance[j],
      activation: s.features.data[i * s.features.cols + f],
      heatUri: uriOf(webview, heat.get(entry.rel)![j]),
    })),
  };
}
