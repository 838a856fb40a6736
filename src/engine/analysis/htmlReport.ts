// "Export Report" as one self-contained HTML file: per class its gap with interval, its top features with labels and
// top-activating images, its lowest- and highest-spuriosity validation images, and the tuning results when there are
// any. Images are embedded as small base64 thumbnails so the file can be mailed or attached to a ticket as is.
import { readFile } from 'node:fs/promises';
import { signed } from '../../shared/signed';
import type { ImageEntry } from '../dataset/types';
import type { ThumbnailCache } from '../render/thumbnails';
import { gapReport, rankReport } from './report';
import type { AnalysisView } from './queries/sessionView';

/** One fine-tuning run as the report shows it; gaps and accuracies are fractions (0-1), as the tuner reports them. */
export interface TuningSummary {
  method: string;
  before: { gap: number | null; accuracy: number };
  after: { gap: number | null; accuracy: number };
  epochs: number;
  stoppedEarly: boolean;
  trainImages: number;
  /** Files the tuned head was exported to, if any. */
  exported?: string[];
}

/** What htmlReport needs besides the analysis. */
export interface HtmlReportOptions {
  /** A data: URI of the image's thumbnail, or undefined to leave it out (an unreadable image). */
  thumbnail(entry: ImageEntry): Promise<string | undefined>;
  tuning?: readonly TuningSummary[];
  /** Images shown at each end of a class's validation ranking (default 4). */
  endImages?: number;
  /** Top-activating images shown per top feature (default 3). */
  featureImages?: number;
  /** Time stamp printed in the header (default now). */
  now?: Date;
}

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const num = (x: number | null | undefined, plus = false): string =>
  x === null || x === undefined || !Number.isFinite(x) ? '–' : signed(x, 1, plus);
const pct = (x: number | null): string => (x === null || !Number.isFinite(x) ? '–' : `${(x * 100).toFixed(1)}%`);

/** A gap is a finding only when its 95% interval excludes 0; otherwise the sample cannot tell it from no gap. */
export function gapVerdict(gap: number | null, ci: [number | null, number | null] | null): 'positive' | 'negative' | 'not significant' | 'no interval' {
  if (gap === null) return 'no interval';
  if (!ci || ci[0] === null || ci[1] === null) return 'no interval';
  if (ci[0] > 0) return 'positive';
  if (ci[1] < 0) return 'negative';
  return 'not significant';
}

/** Thumbnails from the panel's cache (made on demand), embedded as webp data URIs. */
export function cachedThumbnails(cache: ThumbnailCache): (entry: ImageEntry) => Promise<string | undefined> {
  return async (entry) => {
    try {
      return `data:image/webp;base64,${(await readFile(await cache.ensure(entry))).toString('base64')}`;
    } catch {
      return undefined; // an image that cannot be decoded is reported by extraction; the report shows its name only
    }
  };
}

/** The report as one HTML document. */
export async function htmlReport(s: AnalysisView, opts: HtmlReportOptions): Promise<string> {
  const g = gapReport(s);
  const r = rankReport(s, opts.endImages ?? 4);
  const perFeature = opts.featureImages ?? 3;
  const img = async (rel: string, caption: string, wrong = false): Promise<string> => {
    const i = s.indexOf(rel);
    const uri = i === undefined ? undefined : await opts.thumbnail(s.entries[i]);
    const pic = uri ? `<img src="${uri}" alt="${esc(rel)}" loading="lazy">` : `<span class="noimg">${esc(rel)}</span>`;
    return `<figure class="${wrong ? 'wrong' : ''}" title="${esc(rel)}">${pic}<figcaption>${esc(caption)}</figcaption></figure>`;
  };

  const head = [
    `<h1>Spuriosity report: ${esc(s.dataset.root)}</h1>`,
    '<dl class="facts">',
    `<dt>Model</dt><dd>${esc(g.model.name ?? g.model.path)} <span class="muted">sha256 ${esc(g.model.sha256.slice(0, 12))}…</span></dd>`,
    `<dt>Head</dt><dd>${g.head === 'model' ? "the model's own head" : 'a linear head fitted on the training split'}</dd>`,
    `<dt>Images</dt><dd>${g.dataset.images.train.toLocaleString('en-US')} train, ${g.dataset.images.val.toLocaleString('en-US')} validation; validation accuracy ${num(g.valAccuracy)}%</dd>`,
    `<dt>Mean spurious gap</dt><dd>${g.meanGap
      ? `<strong>${num(g.meanGap.value, true)} points</strong> (95% CI ${num(g.meanGap.lo, true)} to ${num(g.meanGap.hi, true)}) over ${g.classes.length} class(es), k = ${g.k}; `
        + `<span class="v-${gapVerdict(g.meanGap.value, [g.meanGap.lo, g.meanGap.hi]).replace(' ', '-')}">${gapVerdict(g.meanGap.value, [g.meanGap.lo, g.meanGap.hi])}</span>`
      : 'no class has a feature labeled spurious yet: label the top features to rank and measure'}</dd>`,
    `<dt>Generated</dt><dd>${esc((opts.now ?? new Date()).toISOString().replace('T', ' ').slice(0, 16))} UTC by Spuriosity Lens</dd>`,
    '</dl>',
  ];

  const gapRows = g.classes.map((c) => {
    const v = gapVerdict(c.gap, c.ci as [number | null, number | null] | null);
    return `<tr><td><a href="#c-${esc(c.name)}">${esc(c.name)}</a></td><td>${c.valImages}</td><td>${c.k}</td><td>${num(c.accHigh)}</td><td>${num(c.accLow)}</td>`
      + `<td><strong>${num(c.gap, true)}</strong></td><td>${c.ci ? `${num(c.ci[0], true)} to ${num(c.ci[1], true)}` : '–'}</td><td class="v-${v.replace(' ', '-')}">${v}</td></tr>`;
  });
  const gapTable = g.classes.length
    ? ['<h2>Spurious gap per class</h2>', '<p class="muted">Accuracy on the k highest- minus the k lowest-spuriosity validation images, in points. A gap is a finding only when its interval excludes 0.</p>',
      '<table><thead><tr><th>class</th><th>val images</th><th>k</th><th>acc. high</th><th>acc. low</th><th>gap</th><th>95% CI</th><th>verdict</th></tr></thead><tbody>', ...gapRows, '</tbody></table>',
      g.unranked.length ? `<p class="muted">No spurious feature labeled (no ranking, left out of the mean): ${g.unranked.map(esc).join(', ')}.</p>` : '']
    : [];

  const classes: string[] = [];
  for (const c of r.classes) {
    const gc = g.classes.find((x) => x.name === c.name);
    const parts = [`<section id="c-${esc(c.name)}"><h2>${esc(c.name)}</h2>`,
      `<p>${c.trainImages} train, ${c.valImages} validation images; validation accuracy ${num(c.valAccuracy)}%`
      + (gc ? `; gap <strong>${num(gc.gap, true)}</strong> points (95% CI ${gc.ci ? `${num(gc.ci[0], true)} to ${num(gc.ci[1], true)}` : '–'}, ${gapVerdict(gc.gap, gc.ci as [number | null, number | null] | null)})` : '')
      + '</p>'];
    if (c.noFeaturesReason) parts.push(`<p class="muted">No top features: ${esc(c.noFeaturesReason)}</p>`);
    if (c.topFeatures.length) {
      parts.push('<h3>Top features</h3><table class="features"><thead><tr><th>feature</th><th>importance</th><th>per-feature gap</th><th>label</th><th>top-activating images</th></tr></thead><tbody>');
      for (const f of c.topFeatures) {
        const label = f.label ? `${f.label}${f.subtype ? ` (${f.subtype})` : ''}` : 'unlabeled';
        const imgs = await Promise.all(f.topImages.slice(0, perFeature).map((rel) => img(rel, '')));
        parts.push(`<tr><td>#${f.feature}</td><td>${f.importance.toFixed(3)}</td><td>${num(f.perFeatureGap, true)}</td><td class="l-${esc(f.label ?? 'none')}">${esc(label)}</td><td class="strip">${imgs.join('')}</td></tr>`);
      }
      parts.push('</tbody></table>');
    }
    if (c.ranking) {
      const end = async (title: string, items: typeof c.ranking.val.lowest): Promise<string> =>
        `<div class="end"><h4>${title}</h4><div class="strip">${(await Promise.all(items.map((it) => img(it.image, `${signed(it.spuriosity, 2)}${it.correct ? '' : ' ✗'}`, !it.correct)))).join('')}</div></div>`;
      parts.push(`<h3>Validation ranking (${c.ranking.val.images} images; spurious features ${c.spuriousFeatures.map((f) => `#${f}`).join(', ')})</h3>`,
        '<div class="ends">', await end('Lowest spuriosity', c.ranking.val.lowest), await end('Highest spuriosity', c.ranking.val.highest), '</div>',
        '<p class="muted">Caption: spuriosity score; ✗ and a red frame mark a wrong prediction.</p>');
    }
    parts.push('</section>');
    classes.push(parts.join('\n'));
  }

  const tuning = opts.tuning?.length
    ? ['<h2>Fine-tuning</h2>', '<table><thead><tr><th>method</th><th>training images</th><th>epochs</th><th>gap before → after</th><th>accuracy before → after</th><th>exported</th></tr></thead><tbody>',
      ...opts.tuning.map((t) => `<tr><td>${esc(t.method)}</td><td>${t.trainImages.toLocaleString('en-US')}</td><td>${t.epochs}${t.stoppedEarly ? ' (stopped: gap below the threshold)' : ''}</td>`
        + `<td>${num(t.before.gap === null ? null : t.before.gap * 100, true)} → ${num(t.after.gap === null ? null : t.after.gap * 100, true)} pts</td><td>${pct(t.before.accuracy)} → ${pct(t.after.accuracy)}</td>`
        + `<td>${t.exported?.length ? t.exported.map(esc).join('<br>') : '–'}</td></tr>`),
      '</tbody></table>']
    : [];

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Spuriosity report: ${esc(s.dataset.root)}</title>
<style>${CSS}</style></head>
<body>
${[...head, ...gapTable, ...tuning, ...classes].join('\n')}
</body></html>
`;
}

const CSS = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --bad: #cf222e; --good: #1a7f37; --bg: #fff; }
@media (prefers-color-scheme: dark) { :root { --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --bad: #ff7b72; --good: #3fb950; --bg: #0d1117; } }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); max-width: 1100px; margin: 24px auto; padding: 0 16px; }
h1 { font-size: 20px; word-break: break-all; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 14px; } h4 { font-size: 13px; margin: 4px 0; }
.muted { color: var(--muted); } dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; } dt { color: var(--muted); } dd { margin: 0; }
table { border-collapse: collapse; margin: 8px 0; } th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: middle; font-variant-numeric: tabular-nums; }
.v-positive, .v-negative { font-weight: 600; } .v-negative { color: var(--bad); } .v-not-significant, .v-no-interval { color: var(--muted); }
.l-spurious { color: var(--bad); font-weight: 600; } .l-core { color: var(--good); }
.strip { display: flex; flex-wrap: wrap; gap: 6px; } .ends { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; }
figure { margin: 0; text-align: center; } figure img { width: 72px; height: 72px; object-fit: cover; image-rendering: pixelated; border: 2px solid transparent; border-radius: 3px; display: block; }
figure.wrong img { border-color: var(--bad); } figcaption { font-size: 11px; color: var(--muted); } .noimg { display: inline-block; width: 72px; font-size: 10px; word-break: break-all; }
`;
