// Core crops: re-classify a class's highest-spuriosity validation images on their core crops (the box
// around what the class's core features see) and show original vs cropped predictions side by side.
// Negative-gap classes come first: their high-spuriosity images often hold several objects (paper, section 5).
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { CropRecheck, CropRecheckItem, JobProgress, PanelState } from '../../shared/protocol';
import { post } from '../lib/host';
import { emitUi } from '../lib/events';
import { formatPoints, formatZ } from '../lib/format';
import { sharedStyles } from '../lib/shared-styles';
import { boxAspect, boxStyle, changeKind, countsText, cropBackground, cropsClass, recheckClasses } from './crops.logic';

/** `<crops-view>`: class picker, re-check and export actions, progress, and the original/crop grid. */
@customElement('crops-view')
export class CropsView extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; }
    vscode-progress-bar { flex: 1; min-width: 120px; }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(250px, 1fr)); gap: 10px; }
    .item { border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); border-radius: 4px; padding: 6px; }
    .item.changed { border-color: var(--vscode-charts-purple); box-shadow: 0 0 0 1px var(--vscode-charts-purple);
      background: color-mix(in srgb, var(--vscode-charts-purple) 8%, transparent); }
    .pair { display: grid; grid-template-columns: 1fr 1fr; gap: 6px; align-items: start; }
    figure { margin: 0; min-width: 0; }
    figcaption { font-size: 0.85em; overflow: hidden; text-overflow: ellipsis; }
    .frame { position: relative; }
    .frame img { width: 100%; height: auto; display: block; }
    .box { position: absolute; box-sizing: border-box; border: 2px solid var(--vscode-charts-green); pointer-events: none;
      box-shadow: 0 0 0 1px rgba(0, 0, 0, 0.7), inset 0 0 0 1px rgba(0, 0, 0, 0.7); }
    .box.unreliable { border-style: dashed; border-color: var(--vscode-charts-yellow); }
    .cropimg { width: 100%; border: 1px solid var(--vscode-widget-border, transparent); box-sizing: border-box; }
    .none { aspect-ratio: 1; display: flex; align-items: center; justify-content: center; text-align: center; font-size: 0.85em;
      border: 1px dashed var(--vscode-widget-border, var(--vscode-panel-border)); }
    .facts { display: flex; flex-wrap: wrap; gap: 2px 8px; align-items: center; margin-top: 4px; font-size: 0.9em; }
    .bad { color: var(--vscode-errorForeground); }
    .name { font-size: 0.85em; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
    .chip.ok { background: var(--vscode-charts-green); color: var(--vscode-editor-background); }
    .chip.unreliable { background: var(--vscode-charts-yellow); color: var(--vscode-editor-background); }
    .chip.changed { background: var(--vscode-charts-purple); color: var(--vscode-editor-background); }
    .counts { font-weight: 600; }
  `];

  @property({ attribute: false }) panel: PanelState | null = null;
  @property() cropsClass: string | null = null;
  @property({ attribute: false }) rechecks: ReadonlyMap<string, CropRecheck> = new Map();
  /** The crop job running now, if any. */
  @property({ attribute: false }) job: JobProgress | undefined = undefined;

  @state() private changedOnly = false;

  protected override render() {
    const p = this.panel;
    if (!p) return html`<div class="empty">Waiting for the dataset…</div>`;
    const cls = cropsClass(p.classes, this.cropsClass);
    if (!cls) {
      return html`<div class="empty">No class has a spurious gap yet, so there is nothing to re-check. Label features in the
        <button class="link" @click=${() => emitUi(this, { tab: 'labeling' })}>Labeling</button> tab (core features give the crop box,
        spurious features give the ranking), then come back.</div>`;
    }
    const { negative, others } = recheckClasses(p.classes);
    const gap = p.classes.find((c) => c.name === cls)?.gap ?? null;
    const r = this.rechecks.get(cls);
    const running = this.job !== undefined;
    return html`
      <p class="muted">Each image is cropped to the box around its class's <em>core</em> features (mean heatmap ≥ 0.9 of its max,
        grown 20%, squared) and classified again. Boxes are drawn on the original image. Crops of images outside the class's top 20%
        by core activation are marked unreliable, as in the paper. Your images are never modified.</p>
      ${negative.length === 0 ? html`<p class="muted">No class has a negative gap; you can still re-check any class with a gap.</p>` : nothing}
      <div class="toolbar">
        <label for="cls">Class</label>
        <vscode-single-select id="cls" aria-label="Class to re-check" .value=${cls}
          @change=${(e: Event) => emitUi(this, { cropsClass: (e.target as HTMLSelectElement).value })}>
          ${negative.map((n) => html`<vscode-option value=${n} ?selected=${n === cls}>${n} (negative gap)</vscode-option>`)}
          ${others.map((n) => html`<vscode-option value=${n} ?selected=${n === cls}>${n}</vscode-option>`)}
        </vscode-single-select>
        <span class="muted">gap ${gap ? `${formatPoints(gap.value)} pts` : '—'}</span>
        <vscode-button icon="screen-full" ?disabled=${running} @click=${() => post({ type: 'runCropRecheck', class: cls })}>
          ${r ? 'Re-check again' : 'Re-check on core crops'}</vscode-button>
        <vscode-button secondary icon="export" ?disabled=${running} @click=${() => post({ type: 'exportCrops', class: cls })}
          title="Write this class's crops, or a manifest of boxes, to a folder outside the dataset">Export crops…</vscode-button>
        <vscode-checkbox label="Changed only" .checked=${this.changedOnly}
          @change=${(e: Event) => { this.changedOnly = (e.target as HTMLInputElement).checked; }}></vscode-checkbox>
      </div>
      ${running ? html`<div class="toolbar" role="status">
        <span>Core crops${this.job!.class ? ` of ${this.job!.class}` : ''}: ${this.job!.message}</span>
        <vscode-progress-bar aria-label="Core crop re-check" .value=${this.job!.fraction ?? undefined} max="1"
          ?indeterminate=${this.job!.fraction === null}></vscode-progress-bar>
        <vscode-button secondary icon="debug-stop" @click=${() => post({ type: 'cancel', target: 'crops' })}>Cancel</vscode-button>
      </div>` : nothing}
      ${r ? this.result(r) : running ? nothing : html`<p class="muted">Not re-checked yet: press <strong>Re-check on core crops</strong>.</p>`}`;
  }

  private result(r: CropRecheck) {
    if (r.note && r.items.length === 0) {
      return html`<p role="status">${r.note}
        <button class="link" @click=${() => emitUi(this, { tab: 'labeling', labelingClass: r.class, labelingFocus: 0 })}>Label ${r.class}'s features</button></p>`;
    }
    const items = this.changedOnly ? r.items.filter((i) => changeKind(i) !== null) : r.items;
    return html`
      <p role="status" class="counts">${countsText(r.counts)}</p>
      <p class="muted">${r.class}: its ${r.counts.images} highest-spuriosity validation images; boxes from core feature${r.coreFeatures.length === 1 ? '' : 's'}
        ${r.coreFeatures.map((f) => `#${f}`).join(', ')}.${r.note ? ` ${r.note}` : ''}</p>
      ${items.length === 0 ? html`<p class="muted">No prediction changed.</p>` : nothing}
      <div class="grid" role="list" aria-label=${`Original and cropped predictions of ${r.class}`}>${items.map((i) => this.item(i))}</div>`;
  }

  private item(i: CropRecheckItem) {
    const kind = changeKind(i);
    const pred = (p: { predicted: string; correct: boolean }) => html`<span class=${p.correct ? '' : 'bad'}>${p.predicted}${p.correct ? ' ✓' : ' ✗'}</span>`;
    return html`<div class="item ${kind ? 'changed' : ''}" role="listitem"
        aria-label=${`${i.id}: original ${i.original.predicted}, cropped ${i.cropped?.predicted ?? 'not cropped'}${kind ? `, ${kind}` : ''}`}>
      <div class="name" title=${i.id}><button class="link" @click=${() => post({ type: 'openImage', id: i.id })}>${i.id.split('/').pop()}</button>
        <span class="muted">spuriosity ${formatZ(i.spuriosity)}</span></div>
      <div class="pair">
        <figure>
          <div class="frame"><img src=${i.thumbUri} alt=${`Original ${i.id}`} loading="lazy">
            ${i.box ? html`<div class="box ${i.reliable ? '' : 'unreliable'}" style=${boxStyle(i.box)}></div>` : nothing}</div>
          <figcaption>original: ${pred(i.original)}</figcaption>
        </figure>
        <figure>
          ${i.box ? html`<div class="cropimg" role="img" aria-label=${`Core crop of ${i.id}`}
              style=${`${cropBackground(i.thumbUri, i.box)};aspect-ratio:${boxAspect(i).toFixed(4)}`}></div>`
            : html`<div class="none muted">no core box</div>`}
          <figcaption>cropped: ${i.cropped ? pred(i.cropped) : '—'}</figcaption>
        </figure>
      </div>
      <div class="facts">
        <span class="chip ${i.reliable ? 'ok' : 'unreliable'}" title=${i.reason}>${i.reliable ? 'reliable' : 'unreliable'}</span>
        ${kind ? html`<span class="chip changed">${kind}</span>` : nothing}
        ${i.reason ? html`<span class="muted">${i.reason}</span>` : nothing}
      </div>
    </div>`;
  }
}
