// Detail of one image: prediction, label, spuriosity and one heatmap per top feature of its class.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { CropView, ImageDetail, PanelState } from '../../shared/protocol';
import { post } from '../lib/host';
import { emitUi } from '../lib/events';
import { formatNumber, formatPercent, formatZ } from '../lib/format';
import { sharedStyles } from '../lib/shared-styles';
import { labelText } from '../labeling-view/labeling.logic';
import { boxAspect, boxStyle, changeKind, cropBackground } from '../crops-view/crops.logic';

/** `<image-detail>`: asks the host for the detail of `detailId` and shows it. */
@customElement('image-detail')
export class ImageDetailView extends LitElement {
  static override styles = [sharedStyles, css`
    .main { width: 100%; max-width: 300px; height: auto; display: block; border: 1px solid var(--vscode-widget-border, transparent); }
    dl { display: grid; grid-template-columns: auto 1fr; gap: 2px 12px; margin: 8px 0; }
    dt { color: var(--vscode-descriptionForeground); }
    dd { margin: 0; font-variant-numeric: tabular-nums; }
    .bad { color: var(--vscode-errorForeground); }
    .heats { display: grid; grid-template-columns: repeat(auto-fill, minmax(120px, 1fr)); gap: 8px; }
    figure { margin: 0; }
    figure img { width: 100%; aspect-ratio: 1; object-fit: cover; display: block; }
    figcaption { font-size: 0.85em; }
    .head { display: flex; justify-content: space-between; align-items: center; gap: 8px; }
    .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; min-width: 0; }
    .head > span { flex: none; }
    /* The crop box is drawn over the original image (the preview keeps its aspect ratio), in percent of it. */
    .frame { position: relative; width: 100%; max-width: 300px; }
    .frame .main { max-width: none; }
    /* black hairlines inside and outside keep the box visible on any image, whatever its colours */
    .box { position: absolute; box-sizing: border-box; border: 2px solid var(--vscode-charts-green); pointer-events: none;
      box-shadow: 0 0 0 1px rgba(0, 0, 0, 0.7), inset 0 0 0 1px rgba(0, 0, 0, 0.7); }
    .box.unreliable { border-style: dashed; border-color: var(--vscode-charts-yellow); }
    .crop { display: flex; gap: 10px; align-items: flex-start; }
    .crop > div:last-child { min-width: 0; }
    .cropimg { width: 72px; flex: none; border: 1px solid var(--vscode-widget-border, transparent); }
    .crop p { margin: 0 0 4px; }
    .chip.ok { background: var(--vscode-charts-green); color: var(--vscode-editor-background); }
    .chip.unreliable { background: var(--vscode-charts-yellow); color: var(--vscode-editor-background); }
    .chip.changed { background: var(--vscode-charts-purple); color: var(--vscode-editor-background); }
  `];

  @property() detailId: string | null = null;
  /** The host's answer; shown only when it matches detailId (an older answer may still arrive). */
  @property({ attribute: false }) detail: ImageDetail | null = null;
  @property({ attribute: false }) panel: PanelState | null = null;
  /** The image's core crop once the host computed it (undefined until then). */
  @property({ attribute: false }) crop: { crop: CropView | null; note: string | null } | undefined = undefined;
  @property({ type: Boolean }) showBox = true;

  /** The image whose crop was last asked for, so a pending request is not repeated on every render. */
  private cropAsked: string | null = null;

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('detailId') && this.detailId) post({ type: 'requestImageDetail', id: this.detailId });
    // a new label drops every computed crop: ask again for the one on screen
    if (changed.has('crop') && changed.get('crop') !== undefined && this.crop === undefined) this.cropAsked = null;
    if (this.detailId && !this.crop && this.cropAsked !== this.detailId) {
      this.cropAsked = this.detailId;
      post({ type: 'requestImageCrop', id: this.detailId });
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.removeEventListener('keydown', this.onKey);
  }

  private onKey = (e: KeyboardEvent): void => {
    if (e.key === 'Escape') this.close();
  };

  private close(): void {
    emitUi(this, { detailId: null });
  }

  protected override render() {
    const d = this.detail && this.detail.id === this.detailId ? this.detail : null;
    const head = html`<div class="head">
      <h2 class="name" title=${this.detailId ?? ''}>${this.detailId?.split('/').pop() ?? ''}</h2>
      <span>
        <vscode-button secondary icon="go-to-file" @click=${() => this.detailId && post({ type: 'openImage', id: this.detailId })}>Open in editor</vscode-button>
        <vscode-button secondary icon="close" aria-label="Close detail (Escape)" @click=${() => this.close()}></vscode-button>
      </span>
    </div>`;
    if (!d) return html`${head}<p class="muted">Loading…</p>`;
    const c = this.crop?.crop ?? null;
    return html`${head}
      <div class="frame">
        <img class="main" src=${d.imageUri} alt=${`Image ${d.id}`}>
        ${c?.box && this.showBox ? html`<div class="box ${c.reliable ? '' : 'unreliable'}" style=${boxStyle(c.box)}
          title=${`core crop box ${c.pixels?.join(', ') ?? ''} (x, y, width, height in original pixels)`}></div>` : nothing}
      </div>
      <dl>
        <dt>Label</dt><dd>${d.label}</dd>
        <dt>Predicted</dt><dd class=${d.correct ? '' : 'bad'}>${d.predicted}${d.confidence !== null ? ` (${formatPercent(d.confidence)}${this.panel?.head ? `, ${this.panel.head.source === 'model' ? "model's head" : 'fitted head'}` : ''})` : ''}${d.correct ? '' : ' ✗'}</dd>
        <dt>Spuriosity</dt><dd>${formatZ(d.spuriosity)}${d.rank ? html` <span class="muted">(rank ${d.rank.position + 1} of ${d.rank.total}, ${d.split})</span>` : nothing}</dd>
        <dt>Path</dt><dd>${d.id}</dd>
      </dl>
      ${this.cropSection(d.imageUri)}
      <h3>Top features of ${d.label}</h3>
      <div class="heats">${d.features.map((f) => html`<figure>
        <img src=${f.heatUri} alt=${`Heatmap of feature ${f.feature} (${labelText(f.label, f.subtype)})`}>
        <figcaption>#${f.feature} <span class="chip ${f.label ?? ''}">${labelText(f.label, f.subtype)}</span><br>
          <span class="muted">activation ${formatNumber(f.activation)}</span></figcaption>
      </figure>`)}</div>`;
  }

  private cropSection(imageUri: string) {
    const e = this.crop;
    if (!e) {
      return html`<h3>Core crop</h3><p class="muted" role="status">Computing the core crop…</p>`;
    }
    const c = e.crop;
    if (!c || !c.box) return html`<h3>Core crop</h3><p class="muted">${e.note ?? c?.reason ?? 'No core crop for this image.'}</p>`;
    const kind = changeKind(c);
    const pred = (p: { predicted: string; correct: boolean }) => html`<span class=${p.correct ? '' : 'bad'}>${p.predicted}${p.correct ? '' : ' ✗'}</span>`;
    return html`<h3>Core crop</h3>
      <div class="crop">
        <div class="cropimg" role="img" aria-label="The core crop of this image"
          style=${`${cropBackground(imageUri, c.box)};aspect-ratio:${boxAspect(c).toFixed(4)}`}></div>
        <div>
          <p>${pred(c.original)} → ${c.cropped ? pred(c.cropped) : '—'} <span class="muted">(original → crop)</span>
            ${kind ? html`<span class="chip changed">${kind}</span>` : nothing}</p>
          <p><span class="chip ${c.reliable ? 'ok' : 'unreliable'}" title=${c.reason}>${c.reliable ? 'reliable' : 'unreliable'}</span>
            ${c.reason ? html`<span class="muted">${c.reason}</span>` : nothing}</p>
          <vscode-checkbox label="Show box on the image" .checked=${this.showBox}
            @change=${(ev: Event) => { this.showBox = (ev.target as HTMLInputElement).checked; }}></vscode-checkbox>
        </div>
      </div>`;
  }
}
