// Class view: a virtualized grid of one class's images sorted by spuriosity. Only tiles near the
// visible range are requested from the host (thumbnail URIs, never bytes), so 10,000 images scroll smoothly.
// Keyboard: one tab stop (roving tabindex), arrows/Home/End/PageUp/PageDown move it, Enter opens the detail,
// Escape closes it and focus returns to the tile.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import { grid } from '@lit-labs/virtualizer/layouts/grid.js';
import type { ClassPage, CropView, ImageDetail, PanelState, SortOrder, Split } from '../../shared/protocol';
import { onHostMessage, post } from '../lib/host';
import { emitUi } from '../lib/events';
import { formatCount, formatInterval, formatZ } from '../lib/format';
import { sharedStyles } from '../lib/shared-styles';
import { isSignificantNegative, notSignificantText, significanceOf } from '../lib/significance';
import { columnsFromLefts, moveFocus, PageCache, prefetchRange, sameKey, scrollToShow, type GalleryKey } from './gallery.logic';
import '../image-detail/image-detail';

const PAGE = 60;
const TILE_HEIGHT = 156;
const GAP = 8;
const layout = grid({ itemSize: { width: '132px', height: `${TILE_HEIGHT}px` }, gap: `${GAP}px`, justify: 'start' });

/** `<class-view>`: gallery of a class with order, split and heatmap-overlay switches, and the image detail. */
@customElement('class-view')
export class ClassView extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; }
    /* An explicit height: the virtualizer needs a sized scroller, and the panel itself should not scroll. */
    .grid { height: calc(100vh - 190px); min-height: 300px; }
    .tile {
      position: relative; width: 132px; height: 156px; padding: 0; border: 1px solid var(--vscode-widget-border, transparent);
      display: flex; flex-direction: column; justify-content: flex-start; align-items: stretch; box-sizing: border-box;
      background: var(--vscode-editorWidget-background); color: inherit; font: inherit; cursor: pointer; overflow: hidden;
    }
    .tile:hover { border-color: var(--vscode-focusBorder); }
    .tile:focus-visible { outline: 2px solid var(--vscode-focusBorder); outline-offset: -2px; }
    .tile img { display: block; width: 130px; height: 130px; object-fit: cover; }
    .tile img.heat { position: absolute; top: 0; left: 0; pointer-events: none; opacity: 0.55; mix-blend-mode: normal; }
    .tile .cap { display: flex; justify-content: space-between; padding: 2px 4px; font-size: 0.85em; font-variant-numeric: tabular-nums; }
    .tile.wrong { border-color: var(--vscode-errorForeground); }
    .tile .bad { color: var(--vscode-errorForeground); }
    .ph { width: 130px; height: 130px; background: var(--vscode-editor-inactiveSelectionBackground); }
    .layout { display: flex; gap: 12px; align-items: flex-start; }
    .layout > .gallery { flex: 1; min-width: 0; }
    image-detail {
      width: 420px; flex: none; overflow: auto; height: calc(100vh - 190px); min-height: 300px; box-sizing: border-box;
      border-left: 1px solid var(--vscode-panel-border); padding-left: 12px;
    }
    /* Narrow panels: the detail goes under the gallery instead of squeezing it to nothing. */
    @media (max-width: 700px) {
      .layout { flex-direction: column; }
      .layout > .gallery { width: 100%; }
      .grid { height: 50vh; }
      image-detail { width: 100%; height: auto; border-left: none; padding-left: 0; border-top: 1px solid var(--vscode-panel-border); }
    }
  `];

  /** Data from the host. */
  @property({ attribute: false }) panel: PanelState | null = null;
  @property() selectedClass: string | null = null;
  @property() order: SortOrder = 'asc';
  @property() split: Split = 'val';
  @property({ type: Boolean }) overlay = false;
  @property() detailId: string | null = null;
  @property({ attribute: false }) detail: ImageDetail | null = null;
  /** Core crops per image id, for the detail view. */
  @property({ attribute: false }) crops: ReadonlyMap<string, { crop: CropView | null; note: string | null }> = new Map();

  @state() private version = 0;
  /** The gallery's one tab stop: the tile arrows move from. */
  @state() private focusIndex = 0;
  @query('.grid') private gridEl!: HTMLElement | null;
  private cache: PageCache | null = null;
  private items: number[] = [];
  private stop: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.stop = onHostMessage((m) => {
      if (m.type === 'classPage') this.onPage(m.page);
      // A refused request gets an error notice instead of a page: let the pages be asked again on the next scroll.
      else if (m.type === 'notify' && m.level === 'error') this.cache?.resetPending();
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop?.();
  }

  private key(): GalleryKey | null {
    const c = this.selectedClass ?? this.panel?.classes[0]?.name ?? null;
    return c === null ? null : { class: c, order: this.order, split: this.split, overlay: this.overlay };
  }

  private onPage(page: ClassPage): void {
    if (!this.cache || !this.cache.put(page)) return;
    if (this.items.length !== page.total) this.items = Array.from({ length: page.total }, (_, i) => i);
    this.version++;
  }

  private request(first: number, last: number): void {
    if (!this.cache) return;
    const total = this.cache.total ?? PAGE;
    const [a, b] = prefetchRange(first, last, total);
    for (const offset of this.cache.claimMissing(a, b)) {
      post({ type: 'requestClassPage', ...this.cache.key, offset, count: PAGE });
    }
  }

  protected override willUpdate(): void {
    const k = this.key();
    if (k && (!this.cache || !sameKey(this.cache.key, k))) {
      this.cache = new PageCache(k, PAGE);
      this.items = [];
      this.focusIndex = 0;
      this.request(0, PAGE - 1);
    }
  }

  protected override updated(changed: PropertyValues): void {
    // The detail closed (Escape or its close button) while it held the focus: give it back to the tile.
    if (changed.has('detailId') && changed.get('detailId') && !this.detailId && !this.shadowRoot?.activeElement) void this.focusTile(this.focusIndex);
  }

  /** Columns the virtualizer laid out, read from the rendered tiles' positions. */
  private columns(): number {
    const tiles = [...(this.gridEl?.querySelectorAll<HTMLElement>('.tile') ?? [])];
    return columnsFromLefts(tiles.map((t) => t.getBoundingClientRect().left));
  }

  private onGridKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === 'Escape') {
      if (this.detailId) {
        e.preventDefault();
        emitUi(this, { detailId: null });
      }
      return;
    }
    const from = Number((e.target as HTMLElement).closest<HTMLElement>('[data-index]')?.dataset.index ?? this.focusIndex);
    const rows = Math.max(1, Math.floor((this.gridEl?.clientHeight ?? 0) / (TILE_HEIGHT + GAP)));
    const next = moveFocus(from, e.key, this.columns(), this.items.length, rows);
    if (next === null) return;
    e.preventDefault();
    void this.focusTile(next);
  }

  /**
   * Moves the roving tab stop to tile i, scrolling its row into view first: it may not be rendered yet. The row's
   * position comes from a rendered tile's (the virtualizer's own scrollIntoView did not move this scroller).
   */
  private async focusTile(i: number): Promise<void> {
    this.focusIndex = i;
    const grid = this.gridEl;
    const ref = grid?.querySelector<HTMLElement>('[data-index]');
    if (grid && ref) {
      const cols = this.columns();
      const refTop = ref.getBoundingClientRect().top - grid.getBoundingClientRect().top + grid.scrollTop;
      const top = refTop + (Math.floor(i / cols) - Math.floor(Number(ref.dataset.index) / cols)) * (TILE_HEIGHT + GAP);
      const to = scrollToShow(top, TILE_HEIGHT, grid.scrollTop, grid.clientHeight, GAP);
      if (to !== null) grid.scrollTop = to;
    }
    await this.updateComplete;
    // a far tile is rendered a frame or two after the scroll
    const find = () => this.gridEl?.querySelector<HTMLElement>(`[data-index="${i}"]`);
    for (let frame = 0; !find() && frame < 20 && this.focusIndex === i; frame++) await new Promise((r) => requestAnimationFrame(r));
    if (this.focusIndex === i) find()?.focus({ preventScroll: true });
  }

  protected override render() {
    const p = this.panel;
    const k = this.key();
    if (!p || !k) return html`<div class="empty">No classes yet.</div>`;
    const summary = p.classes.find((c) => c.name === k.class);
    return html`
      <div class="toolbar">
        <label for="cls">Class</label>
        <vscode-single-select id="cls" aria-label="Class" combobox .value=${k.class}
          @change=${(e: Event) => emitUi(this, { selectedClass: (e.target as HTMLSelectElement).value, detailId: null })}>
          ${p.classes.map((c) => html`<vscode-option value=${c.name} ?selected=${c.name === k.class}>${c.name}</vscode-option>`)}
        </vscode-single-select>
        <vscode-single-select aria-label="Order" .value=${this.order}
          @change=${(e: Event) => emitUi(this, { order: (e.target as HTMLSelectElement).value === 'desc' ? 'desc' : 'asc' })}>
          <vscode-option value="asc" ?selected=${this.order === 'asc'}>Lowest spuriosity first</vscode-option>
          <vscode-option value="desc" ?selected=${this.order === 'desc'}>Highest spuriosity first</vscode-option>
        </vscode-single-select>
        <vscode-single-select aria-label="Split" .value=${this.split}
          @change=${(e: Event) => emitUi(this, { split: (e.target as HTMLSelectElement).value === 'train' ? 'train' : 'val' })}>
          <vscode-option value="val" ?selected=${this.split === 'val'}>Validation</vscode-option>
          <vscode-option value="train" ?selected=${this.split === 'train'}>Training</vscode-option>
        </vscode-single-select>
        <vscode-checkbox label="Heatmap overlay" .checked=${this.overlay}
          @change=${(e: Event) => emitUi(this, { overlay: (e.target as HTMLInputElement).checked })}></vscode-checkbox>
        ${summary ? html`<span class="muted">gap ${formatInterval(summary.gap)} · ${summary.spuriousFeatures} spurious features</span>` : nothing}
        ${summary && significanceOf(summary) === 'not-significant' ? html`<span class="chip open">not significant</span>` : nothing}
        ${summary && isSignificantNegative(summary) ? html`<vscode-button secondary icon="screen-full" title="Re-classify this class's highest-spuriosity images on their core crops"
          @click=${() => { emitUi(this, { tab: 'crops', cropsClass: k.class }); post({ type: 'runCropRecheck', class: k.class }); }}>Re-check on core crops</vscode-button>` : nothing}
        <span class="muted" role="status">${this.cache?.total === null || !this.cache ? 'loading…' : `${formatCount(this.cache.total)} images`}</span>
      </div>
      ${summary && significanceOf(summary) === 'not-significant' ? html`<p class="muted">${notSignificantText(summary)}</p>` : nothing}
      ${summary && summary.spuriousFeatures === 0
        ? html`<p class="muted">This class has no feature labeled spurious, so it has no ranking: images are shown in dataset order.</p>` : nothing}
      <div class="layout">
        <div class="gallery">
          <div class="grid" role="list" aria-label=${`Images of ${k.class}`} aria-keyshortcuts="ArrowLeft ArrowRight ArrowUp ArrowDown Home End PageUp PageDown Enter Escape"
            @keydown=${(e: KeyboardEvent) => this.onGridKey(e)}
            @visibilityChanged=${(e: Event & { first: number; last: number }) => this.request(e.first, e.last)}>
            ${virtualize({ items: this.items, layout, scroller: true, renderItem: (i: number) => this.tile(i) })}
          </div>
        </div>
        ${this.detailId ? html`<image-detail .detailId=${this.detailId} .detail=${this.detail} .panel=${p}
          .crop=${this.crops.get(this.detailId)}></image-detail>` : nothing}
      </div>`;
  }

  private open(i: number): void {
    const it = this.cache?.items.get(i);
    if (!it) return;
    this.focusIndex = i;
    emitUi(this, { detailId: it.id });
  }

  // One button per position, loaded or not, so a tile focused before its page arrives keeps the focus.
  private tile(i: number) {
    const it = this.cache?.items.get(i);
    return html`<button class="tile ${it && !it.correct ? 'wrong' : ''}" role="listitem" data-index=${i} tabindex=${i === this.focusIndex ? 0 : -1}
        @click=${() => this.open(i)}
        aria-label=${it ? `${it.id}, spuriosity ${formatZ(it.spuriosity)}, predicted ${it.predicted}${it.correct ? '' : ' (wrong)'}` : `image ${i + 1}, loading`}>
      ${it ? html`<img src=${it.thumbUri} alt="" loading="lazy" decoding="async" width="130" height="130">
        ${this.overlay && it.heatUri ? html`<img class="heat" src=${it.heatUri} alt="" width="130" height="130">` : nothing}
        <span class="cap"><span>#${i + 1}</span><span>${formatZ(it.spuriosity)}</span>${it.correct ? nothing : html`<span class="bad" title=${`predicted ${it.predicted}`}>✗</span>`}</span>`
        : html`<div class="ph"></div>`}
    </button>`;
  }
}
