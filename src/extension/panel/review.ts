import * as vscode from 'vscode';
import { highestSpuriosity } from '../../core/collisions';
import { sessionCollisions } from '../../engine/analysis/collisionsView';
import type { CollisionPair, ReviewItem } from '../../shared/protocol';
import type { PanelBackend } from './backend';

/** Images of a negative-gap class worth a look: its highest-spuriosity validation images (paper section 5). */
const NEGATIVE_GAP_IMAGES = 10;
/** Cap on the review queue, so the tab stays quick with 1,000 classes. */
const MAX_QUEUE = 300;

/** Collision pairs for the review tab. */
export function collisionPairs(b: PanelBackend): CollisionPair[] {
  const s = b.session();
  if (!s) return [];
  return sessionCollisions(s).map((c) => ({
    spuriousClass: s.classNames[c.spuriousClass], coreClass: s.classNames[c.coreClass], feature: c.feature,
    confusions: Math.round(c.confusion * c.n),
  }));
}

/** Images worth a second look: high-spuriosity images of negative-gap classes (possible label noise or several objects), and images predicted as a colliding class. */
export async function reviewQueue(b: PanelBackend, webview: vscode.Webview): Promise<ReviewItem[]> {
  const s = b.session();
  if (!s) return [];
  const picks: Array<{ i: number; reason: ReviewItem['reason']; note: string }> = [];
  const seen = new Set<number>();
  for (const g of s.gaps.classes) {
    if (!g.negative) continue;
    const r = s.spuriosity.rankings[g.cls];
    if (!r) continue;
    for (const i of highestSpuriosity(r.val, NEGATIVE_GAP_IMAGES)) {
      if (seen.has(i)) continue;
      seen.add(i);
      picks.push({ i, reason: 'negative-gap', note: `${s.classNames[g.cls]} has a negative gap (${(g.gap * 100).toFixed(1)} pts): check for a second object or a wrong label` });
    }
  }
  for (const c of sessionCollisions(s)) {
    for (const i of s.index.val[c.spuriousClass]) {
      if (s.predictions[i] !== c.coreClass || seen.has(i)) continue;
      seen.add(i);
      picks.push({ i, reason: 'collision', note: `predicted ${s.classNames[c.coreClass]}: feature ${c.feature} is spurious for ${s.classNames[c.spuriousClass]} but core for ${s.classNames[c.coreClass]}` });
    }
  }
  const chosen = picks.slice(0, MAX_QUEUE);
  const thumbs = await Promise.all(chosen.map((p) => b.thumbs()!.ensure(s.entries[p.i])));
  return chosen.map((p, j) => ({
    id: s.entries[p.i].rel,
    thumbUri: webview.asWebviewUri(vscode.Uri.file(thumbs[j])).toString(),
    label: s.classNames[s.labels[p.i]],
    predicted: s.classNames[s.predictions[p.i]] ?? `#${s.predictions[p.i]}`,
    spuriosity: Number.isFinite(s.spuriosity.scores[p.i]) ? s.spuriosity.scores[p.i] : null,
    reason: p.reason,
    note: p.note,
  }));
}
