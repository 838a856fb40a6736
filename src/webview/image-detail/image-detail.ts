// Detail of one image: prediction, label, spuriosity and one heatmap per top feature of its class.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { ImageDetail, PanelState } from '../../shared/protocol';
import { post } from '../lib/host';
import { emitUi } from '../lib/events';
import { formatPercent, formatZ } from '../lib/format';
import { sharedStyles } from '../lib/shared-styles';
import { labelText } from '../labeling-view/labeling.logic';

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
  `];

  @property() detailId: string | null = null;
  /** The host's answer; shown only when it matches detailId (an older answer may still arrive). */
  @property({ attribute: false }) detail: ImageDetail | null = null;
  @property({ attribute: false }) panel: PanelState | null = null;

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('detailId') && this.detailId) post({ type: 'requestImageDetail', id: this.detailId });
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
    return html`${head}
      <img class="main" src=${d.imageUri} alt=${`Image ${d.id}`}>
      <dl>
        <dt>Label</dt><dd>${d.label}</dd>
        <dt>Predicted</dt><dd class=${d.correct ? '' : 'bad'}>${d.predicted}${d.confidence !== null ? ` (${formatPercent(d.confidence)})` : ''}${d.correct ? '' : ' ✗'}</dd>
        <dt>Spuriosity</dt><dd>${formatZ(d.spuriosity)}${d.rank ? html` <span class="muted">(rank ${d.rank.position + 1} of ${d.rank.total}, ${d.split})</span>` : nothing}</dd>
        <dt>Path</dt><dd>${d.id}</dd>
      </dl>
      <h3>Top features of ${d.label}</h3>
      <div class="heats">${d.features.map((f) => html`<figure>
        <img src=${f.heatUri} alt=${`Heatmap of feature ${f.feature} (${labelText(f.label, f.subtype)})`}>
        <figcaption>#${f.feature} <span class="chip ${f.label ?? ''}">${labelText(f.label, f.subtype)}</span><br>
          <span class="muted">activation ${f.activation.toFixed(2)}</span></figcaption>
      </figure>`)}</div>`;
  }
}
