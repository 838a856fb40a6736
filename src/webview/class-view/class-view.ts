// Class view: a virtualized grid of one class's images sorted by spuriosity. Only tiles near the
// visible range are requested from the host (thumbnail URIs, never bytes), so 10,000 images scroll smoothly.
// Keyboard: one tab stop (roving tabindex), arrows/Home/End/PageUp/PageDown move it, Enter opens the detail,
// Escape closes it and focus returns to the tile.
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, query, state } from 'lit/decorators.js';
import { virtualize } from '@lit-labs/virtualizer/virtualize.js';
import { grid } from '@lit-labs/virtualizer/layouts/grid.js';
import type { ClassPage, CropView, FeatureCard, GalleryFilter, HeatChoice, HeatInfo, ImageDetail, PanelState, SortOrder, Split } from '../../shared/protocol';
import { colormapGradient } from '../../shared/colormap';
import { onHostMessage, post } from '../lib/host';
import { emitUi } from '../lib/events';
import { formatCount, formatInterval, formatZ } from '../lib/format';
import { sharedStyles } from '../lib/shared-styles';
import { isSignificantNegative, notSignificantText, significanceOf } from '../lib/significance';
import { columnsFromLefts, moveFocus, noFilter, PageCache, prefetchRange, sameKey, scrollToShow, tileTooltip, type GalleryKey } from './gallery.logic';
import { labelText } from '../labeling-view/labeling.logic';
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
    /* the toolbars above take about 240 px, 300 px with the overlay's controls and legend */
    .grid { height: calc(100vh - var(--above, 240px)); min-height: 300px; }
    .layout.overlaid { --above: 300px; }
    .tile {
      position: relative; width: 132px; height: 156px; padding: 0; border: 1px solid var(--vscode-widget-border, transparent);
      display: flex; flex-direction: column; justify-content: flex-start; align-items: stretch; box-sizing: border-box;
      background: var(--vscode-editorWidget-background); color: inherit; font: inherit; cursor: pointer; overflow: hidden;
    }
    .tile:hover { border-color: var(--vscode-focusBorder); }
    .tile:focus-visible { outline: 2px solid var(--vscode-focusBorder); outline-offset: -2px; }
    .tile img { display: block; width: 130px; height: 130px; object-fit: cover; }
    .tile img.heat { position: absolute; top: 0; left: 0; pointer-events: none; }
    /* a wrong prediction: a badge with its own background, so it shows on any image, besides the red border */
    .tile .flag { position: absolute; left: 2px; top: 2px; max-width: 122px; padding: 0 4px; border-radius: 3px; font-size: 0.8em; line-height: 16px;
      white-space: nowrap; overflow: hidden; text-overflow: ellipsis; pointer-events: none;
      background: var(--vscode-inputValidation-errorBackground, #5a1d1d); color: var(--vscode-errorForeground, #f48771);
      border: 1px solid var(--vscode-inputValidation-errorBorder, var(--vscode-errorForeground)); }
    .tile .flag.lbl { top: auto; bottom: 28px; background: var(--vscode-inputValidation-warningBackground, #352a05);
      color: var(--vscode-editorWarning-foreground, #cca700); border-color: var(--vscode-inputValidation-warningBorder, currentColor); }
    .legend { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 12px; margin: -4px 0 8px; font-size: 0.9em; }
    .bar { width: 160px; height: 10px; border: 1px solid var(--vscode-widget-border, var(--vscode-contrastBorder, transparent)); }
    .legend .ends { display: inline-flex; align-items: center; gap: 6px; }
    input[type=range] { accent-color: var(--vscode-focusBorder); width: 110px; vertical-align: middle; }
    .tile .cap { display: flex; justify-content: space-between; padding: 2px 4px; font-size: 0.85em; font-variant-numeric: tabular-nums; }
    .tile.wrong { border-color: var(--vscode-errorForeground); }
    .tile .bad { color: var(--vscode-errorForeground); }
    .ph { width: 130px; height: 130px; background: var(--vscode-editor-inactiveSelectionBackground); }
    .layout { display: flex; gap: 12px; align-items: flex-start; }
    .layout > .gallery { flex: 1; min-width: 0; }
    image-detail {
      width: 420px; flex: none; overflow: auto; height: calc(100vh - var(--above, 240px)); min-height: 300px; box-sizing: border-box;
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
  /** What the overlay shows and how opaque it is; which images the gallery shows. */
  @property({ attribute: false }) heat: HeatChoice = { mode: 'spurious' };
  @property({ type: Number }) heatOpacity = 0.6;
  @property({ attribute: false }) galleryFilter: GalleryFilter = {};
  /** Feature cards per class (for the overlay's feature choice), shared with the labeling view. */
  @property({ attribute: false }) cards: ReadonlyMap<string, FeatureCard[]> = new Map();

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
    return c === null ? null : { class: c, order: this.order, split: this.split, overlay: this.overlay, heat: this.heat, filter: this.galleryFilter };
  }

  /** What the overlay of the pages received so far shows (for the legend). */
  private heatInfo: HeatInfo | null = null;
  private cardsAsked = new Set<string>();

  private onPage(page: ClassPage): void {
    if (!this.cache || !this.cache.put(page)) return;
    this.heatInfo = page.heat ?? null;
    if (this.items.length !== page.total) this.items = Array.from({ length: page.total }, (_, i) => i);
    this.version++;
  }

  private request(first: number, last: number): void {
    if (!this.cache) return;
    const total = this.cache.total ?? PAGE;
    const [a, b] = prefetchRange(first, last, total);
    for (const offset of this.cache.claimMissing(a, b)) {
      const { heat, filter, ...k } = this.cache.key;
      post({ type: 'requestClassPage', ...k, offset, count: PAGE, ...(k.overlay && heat ? { heat } : {}), ...(filter && !noFilter(filter) ? { filter } : {}) });
    }
  }

  protected override willUpdate(): void {
    const k = this.key();
    if (k && (!this.cache || !sameKey(this.cache.key, k))) {
      this.cache = new PageCache(k, PAGE);
      this.items = [];
      this.focusIndex = 0;
      this.heatInfo = null;
      this.request(0, PAGE - 1);
    }
    // the overlay's feature choice lists the class's top features: ask for its cards once
    if (k && this.overlay && !this.cards.has(k.class) && !this.cardsAsked.has(k.class)) {
      this.cardsAsked.add(k.class);
      post({ type: 'requestFeatureCards', class: k.class });
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
    this.follow(next);
  }

  /** With the detail open, it follows the focused tile (once its page is loaded). */
  private follow(i: number): void {
    const it = this.cache?.items.get(i);
    if (this.detailId && it && it.id !== this.detailId) emitUi(this, { detailId: it.id });
  }

  /** Arrow keys pressed in the open detail step through the gallery too (left/up: previous image, right/down: next). */
  private onDetailKey(e: KeyboardEvent): void {
    if (e.altKey || e.ctrlKey || e.metaKey || !['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(e.key)) return;
    const path = e.composedPath() as Element[];
    if (path.some((el) => el.tagName === 'INPUT' || el.tagName === 'VSCODE-CHECKBOX' || el.tagName === 'TEXTAREA')) return;
    e.preventDefault();
    const next = Math.max(0, Math.min(this.items.length - 1, this.focusIndex + (e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? -1 : 1)));
    if (next === this.focusIndex) return;
    this.focusIndex = next;
    const grid = this.gridEl;
    void this.focusTile(next).then(() => { if (grid) this.renderRoot.querySelector<HTMLElement>('image-detail')?.focus(); });
    this.follow(next);
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
        <span class="muted" role="status">${this.countText()}</span>
      </div>
      ${this.filterBar(p)}
      ${this.overlay ? this.overlayBar(k.class) : nothing}
      ${summary && significanceOf(summary) === 'not-significant' ? html`<p class="muted">${notSignificantText(summary)}</p>` : nothing}
      ${summary && summary.spuriousFeatures === 0
        ? html`<p class="muted">This class has no feature labeled spurious, so it has no ranking: images are shown in dataset order.</p>` : nothing}
      <div class="layout ${this.overlay ? 'overlaid' : ''}">
        <div class="gallery">
          <div class="grid" role="list" aria-label=${`Images of ${k.class}`} aria-keyshortcuts="ArrowLeft ArrowRight ArrowUp ArrowDown Home End PageUp PageDown Enter Escape"
            @keydown=${(e: KeyboardEvent) => this.onGridKey(e)}
            @visibilityChanged=${(e: Event & { first: number; last: number }) => this.request(e.first, e.last)}>
            ${virtualize({ items: this.items, layout, scroller: true, renderItem: (i: number) => this.tile(i) })}
          </div>
        </div>
        ${this.detailId ? html`<image-detail .detailId=${this.detailId} .detail=${this.detail} .panel=${p}
          .crop=${this.crops.get(this.detailId)} tabindex="-1" @keydown=${(e: KeyboardEvent) => this.onDetailKey(e)}></image-detail>` : nothing}
      </div>`;
  }

  private countText(): string {
    const c = this.cache;
    if (!c || c.total === null) return 'loading…';
    return noFilter(this.galleryFilter) || c.classTotal === null ? `${formatCount(c.total)} images`
      : `${formatCount(c.total)} of ${formatCount(c.classTotal)} images match`;
  }

  private setFilter(patch: Partial<Record<keyof GalleryFilter, unknown>>): void {
    const f: Record<string, unknown> = { ...this.galleryFilter, ...patch };
    for (const key of Object.keys(f)) if (f[key] === undefined || f[key] === '') delete f[key];
    emitUi(this, { galleryFilter: f as GalleryFilter, detailId: null });
  }

  /** Correct / wrong, predicted class and the review file's label-error flag. */
  private filterBar(p: PanelState) {
    const f = this.galleryFilter;
    const correctness = f.correct === undefined ? 'all' : f.correct ? 'correct' : 'wrong';
    return html`<div class="toolbar" role="group" aria-label="Gallery filter">
      <span class="muted">Show</span>
      <vscode-single-select aria-label="Correct or wrong predictions" .value=${correctness}
        @change=${(e: Event) => { const v = (e.target as HTMLSelectElement).value; this.setFilter({ correct: v === 'all' ? undefined : v === 'correct' }); }}>
        <vscode-option value="all" ?selected=${correctness === 'all'}>All predictions</vscode-option>
        <vscode-option value="correct" ?selected=${correctness === 'correct'}>Correct only</vscode-option>
        <vscode-option value="wrong" ?selected=${correctness === 'wrong'}>Wrong only</vscode-option>
      </vscode-single-select>
      <vscode-single-select aria-label="Predicted class" combobox .value=${f.predicted ?? ''}
        @change=${(e: Event) => this.setFilter({ predicted: (e.target as HTMLSelectElement).value })}>
        <vscode-option value="" ?selected=${f.predicted === undefined}>Predicted as any class</vscode-option>
        ${p.classes.map((c) => html`<vscode-option value=${c.name} ?selected=${f.predicted === c.name}>Predicted as ${c.name}</vscode-option>`)}
      </vscode-single-select>
      <vscode-checkbox label="Label errors only" title="Images the review file flags as label errors (mark them in Collisions & review)"
        .checked=${f.labelError === true} @change=${(e: Event) => this.setFilter({ labelError: (e.target as HTMLInputElement).checked ? true : undefined })}></vscode-checkbox>
      ${noFilter(f) ? nothing : html`<button class="link" @click=${() => emitUi(this, { galleryFilter: {}, detailId: null })}>Clear filter</button>`}
    </div>`;
  }

  /** The overlay's feature choice, its opacity and its legend (colour bar, low..high, which features). */
  private overlayBar(cls: string) {
    const cards = this.cards.get(cls) ?? [];
    const h = this.heat;
    const value = h.mode === 'feature' ? `f${h.feature}` : h.mode;
    const info = this.heatInfo;
    const what = info === null ? 'loading…'
      : info.features.length === 0 ? info.note ?? 'no features to show'
      : `${info.mode === 'feature' ? 'feature' : `mean of ${info.mode === 'core' ? 'core' : 'spurious'} feature${info.features.length === 1 ? '' : 's'}`} `
        + `${info.features.map((f) => `#${f}`).join(', ')}${info.note ? ` (${info.note})` : ''}`;
    const featureOptions = cards.map((c) => html`<vscode-option value=${`f${c.feature}`} ?selected=${value === `f${c.feature}`}>
      Feature #${c.feature} (rank ${c.rank + 1}, ${labelText(c.label, c.subtype)})</vscode-option>`);
    if (h.mode === 'feature' && !cards.some((c) => c.feature === h.feature)) {
      featureOptions.push(html`<vscode-option value=${value} selected>Feature #${h.feature}</vscode-option>`);
    }
    return html`<div class="toolbar" role="group" aria-label="Heatmap overlay">
        <span class="muted">Overlay</span>
        <vscode-single-select aria-label="What the heatmap overlay shows" .value=${value}
          @change=${(e: Event) => {
            const v = (e.target as HTMLSelectElement).value;
            emitUi(this, { heat: v.startsWith('f') ? { mode: 'feature', feature: Number(v.slice(1)) } : { mode: v === 'core' ? 'core' : 'spurious' } });
          }}>
          <vscode-option value="spurious" ?selected=${value === 'spurious'}>Spurious features (mean)</vscode-option>
          <vscode-option value="core" ?selected=${value === 'core'}>Core features (mean)</vscode-option>
          ${featureOptions}
        </vscode-single-select>
        <label>Opacity <input type="range" min="10" max="100" step="5" aria-label="Heatmap opacity" .value=${String(Math.round(this.heatOpacity * 100))}
          @input=${(e: Event) => emitUi(this, { heatOpacity: Number((e.target as HTMLInputElement).value) / 100 })}>
          <span class="num">${Math.round(this.heatOpacity * 100)}%</span></label>
      </div>
      <div class="legend" role="note" aria-label="Heatmap legend">
        <span class="ends"><span class="muted">low</span><span class="bar" style=${`background:${colormapGradient(info?.colormap ?? 'inferno')}`}></span><span class="muted">high</span></span>
        <span>${what}</span>
        <span class="muted">· activation relative to each image's own maximum (0 to 1) · ${info?.colormap ?? 'inferno'} colormap over the crop the model saw</span>
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
    const layered = this.overlay && it?.heatUri;
    return html`<button class="tile ${it && !it.correct ? 'wrong' : ''}" role="listitem" data-index=${i} tabindex=${i === this.focusIndex ? 0 : -1}
        @click=${() => this.open(i)} title=${it ? tileTooltip(it, i, this.cache?.classTotal ?? null, this.split) : ''}
        aria-label=${it ? tileTooltip(it, i, this.cache?.classTotal ?? null, this.split).replace(/\n/g, ', ') : `image ${i + 1}, loading`}>
      ${it ? html`<img src=${layered && it.baseUri ? it.baseUri : it.thumbUri} alt="" loading="lazy" decoding="async" width="130" height="130">
        ${layered ? html`<img class="heat" src=${it.heatUri} alt="" width="130" height="130" style=${`opacity:${this.heatOpacity}`}>` : nothing}
        ${it.correct ? nothing : html`<span class="flag">✗ ${it.predicted}</span>`}
        ${it.labelError ? html`<span class="flag lbl">label error?</span>` : nothing}
        <span class="cap"><span>#${(it.rank ?? i) + 1}</span><span>${formatZ(it.spuriosity)}</span>${it.correct ? nothing : html`<span class="bad" title=${`predicted ${it.predicted}`}>✗</span>`}</span>`
        : html`<div class="ph"></div>`}
    </button>`;
  }
}
