// Overview: the mean gap, a bar chart of the gap per class, and a sortable, filterable class table.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import type { ClassSummary, PanelState } from '../../shared/protocol';
import { formatCount, formatInterval, formatPercent, progressText } from '../lib/format';
import { gapChartConfig } from '../lib/chart-configs';
import { emitUi } from '../lib/events';
import { post } from '../lib/host';
import { sharedStyles } from '../lib/shared-styles';
import { DEFAULT_UI } from '../lib/ui-state';
import { imagesNeededText, isSignificantNegative, MEAN_VERDICT_HELP, meanSignificanceOf, notSignificantText, significanceOf } from '../lib/significance';
import type { ChartTheme } from '../lib/theme';
import { filterClasses, nextSort, sortClasses, type ClassFilter, type SortDir, type SortKey } from './overview.logic';
import '../themed-chart/themed-chart';

/** Rows rendered at first and per 'show more': a thousand table rows cost about a second to lay out. */
const ROW_STEP = 250;

/** Column widths of the class table (vscode-table's `columns`). */
const COLUMN_WIDTHS = JSON.stringify(['26%', '13%', '11%', '12%', '14%', '24%']);

const COLUMNS: Array<{ key: SortKey; title: string }> = [
  { key: 'name', title: 'Class' }, { key: 'images', title: 'Train images' }, { key: 'valImages', title: 'Val images' },
  { key: 'accuracy', title: 'Accuracy' }, { key: 'spuriousFeatures', title: 'Spurious features' }, { key: 'gap', title: 'Gap [95% CI]' },
];

/** `<overview-view>`: dataset summary, gap chart and class table. */
@customElement('overview-view')
export class OverviewView extends LitElement {
  static override styles = [sharedStyles, css`
    .summary { display: flex; flex-wrap: wrap; gap: 4px 24px; }
    .big { font-size: 1.4em; font-weight: 600; }
    themed-chart { height: 240px; margin: 8px 0 16px; }
    vscode-table { max-height: 60vh; }
    vscode-table-row { cursor: pointer; }
    /* a narrow panel (the side bar open) wraps a long title ("Spurious features") or a gap with its verdict chip
       instead of cutting it off; rows grow only where something wraps */
    vscode-table-header-cell { white-space: normal; vertical-align: bottom; }
    vscode-table-cell { white-space: normal; padding-top: 2px; padding-bottom: 2px; }
    .sort { text-align: left; }
    .sort { background: none; border: none; color: inherit; font: inherit; font-weight: 600; cursor: pointer; padding: 0; }
    .num { font-variant-numeric: tabular-nums; }
    .grow { flex: 1; min-width: 160px; }
    .mean-verdict { margin-top: 2px; }
  `];

  /** Data from the host. */
  @property({ attribute: false }) panel: PanelState | null = null;
  /** Current sort and filter (owned by the app, persisted). */
  @property({ attribute: false }) sort: { by: SortKey; dir: SortDir } = DEFAULT_UI.sort;
  @property({ attribute: false }) filter: ClassFilter = DEFAULT_UI.filter;

  @state() private rowLimit = ROW_STEP;
  /**
   * vscode-table turns its column sizes into percentages of its own width once, when its body is slotted, and
   * falls back to equal widths when that width is 0: a table first laid out hidden (the panel switched here by
   * the host, e.g. Measure Spurious Gap, renders this view before vscode-tabs unhides its tab panel; or the
   * webview itself was hidden) keeps equal widths. A new table is made, by bumping this key, once it shows.
   */
  @state() private tableKey = 0;
  private chartFor: PanelState | null = null;
  private chartFactory: ((t: ChartTheme) => ReturnType<typeof gapChartConfig>) | null = null;
  private sizedTable: Element | null = null;
  /** The current table was connected (and so measured by vscode-table) while it had no width. */
  private tableBornHidden = false;
  private readonly tableSizes = new ResizeObserver((entries) => {
    if (this.tableBornHidden && (entries[entries.length - 1]?.contentRect.width ?? 0) > 0) {
      this.tableBornHidden = false;
      this.tableKey++;
    }
  });

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.tableSizes.disconnect();
    this.sizedTable = null;
  }

  protected override updated(): void {
    const table = this.renderRoot.querySelector('vscode-table');
    if (table === this.sizedTable) return;
    this.tableSizes.disconnect();
    this.sizedTable = table;
    // updated() runs in the same task that connected the table, so this is the width vscode-table saw
    this.tableBornHidden = table !== null && table.getBoundingClientRect().width === 0;
    if (this.tableBornHidden) this.tableSizes.observe(table!);
  }

  protected override render() {
    const p = this.panel;
    if (!p) return html`<div class="empty">Waiting for the dataset…</div>`;
    if (this.chartFor !== p) {
      // A new factory only when the data changed, so unrelated re-renders do not redraw the canvas.
      this.chartFor = p;
      this.chartFactory = (t) => gapChartConfig(p.classes, p.meanGap, t);
    }
    const rows = sortClasses(filterClasses(p.classes, this.filter), this.sort.by, this.sort.dir);
    const withGap = p.classes.filter((c) => c.gap !== null);
    const negatives = withGap.filter(isSignificantNegative).length;
    const open = withGap.filter((c) => significanceOf(c) === 'not-significant').length;
    return html`
      <div class="summary" role="group" aria-label="Dataset summary">
        <div><div class="muted">Mean spurious gap</div><div class="big num">${formatInterval(p.meanGap)}</div>${this.meanVerdict(p)}</div>
        <div><div class="muted">Classes with a ranking</div><div class="big num">${formatCount(withGap.length)} of ${formatCount(p.classes.length)}</div></div>
        <div><div class="muted">Negative gaps (interval below 0)</div><div class="big num">${formatCount(negatives)}${open > 0
          ? html` <span class="muted" style="font-size: 0.7em; font-weight: normal">· ${formatCount(open)} not significant</span>` : nothing}</div>
          ${negatives > 0 ? html`<button class="link" title="Classify the high-spuriosity images of negative-gap classes again on their core crops"
            @click=${() => emitUi(this, { tab: 'crops', cropsClass: null })}>Re-check on core crops</button>` : nothing}</div>
        <div><div class="muted">Images</div><div class="big num">${formatCount(p.splits.train)} train · ${formatCount(p.splits.val)} val</div></div>
        <div><div class="muted">Labeling</div><div class="big">${progressText(p.progress.labeledClasses, p.progress.totalClasses)}</div></div>
      </div>
      ${open > 0 ? html`<p class="muted">${this.openNote(withGap)}</p>` : nothing}
      ${p.extraction ? html`<div class="toolbar"><span role="status">Extracting features (${p.extraction.split}): ${formatCount(p.extraction.done)} of ${formatCount(p.extraction.total)} images
        ${p.extraction.rate ? html`· ${p.extraction.rate.toFixed(1)} images/s` : nothing}</span>
        <vscode-progress-bar class="grow" aria-label="Feature extraction" value=${p.extraction.done} max=${Math.max(1, p.extraction.total)}></vscode-progress-bar>
        <vscode-button secondary icon="debug-stop" @click=${() => post({ type: 'cancel', target: 'extraction' })}>Cancel extraction</vscode-button></div>` : nothing}
      ${withGap.length > 0
        ? html`<themed-chart .factory=${this.chartFactory} summary=${`Bar chart of the spurious gap of ${withGap.length} classes with 95% intervals; mean ${formatInterval(p.meanGap)}`}></themed-chart>`
        : html`<p class="muted">No class has a spurious feature yet: label features in the Labeling tab to get rankings and gaps.</p>`}
      <div class="toolbar" role="search">
        <vscode-textfield placeholder="Filter classes" aria-label="Filter classes by name" .value=${this.filter.text}
          @input=${(e: Event) => this.setFilter({ text: (e.target as HTMLInputElement).value })}></vscode-textfield>
        ${this.check('onlyNegative', 'Negative gaps only')}
        ${this.check('onlyWithSpurious', 'With spurious features')}
        ${this.check('onlyUnlabeled', 'Unlabeled only')}
        <span class="muted" role="status">${formatCount(rows.length)} shown</span>
      </div>
      ${rows.length === 0 ? html`<p class="muted">No class matches the filter.</p>` : keyed(this.tableKey, html`
      <vscode-table zebra bordered-rows resizable aria-label="Classes" columns=${COLUMN_WIDTHS}>
        <vscode-table-header slot="header">
          ${COLUMNS.map((c) => html`<vscode-table-header-cell aria-sort=${this.sort.by === c.key ? (this.sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'}>
            <button class="sort" @click=${() => emitUi(this, { sort: nextSort(this.sort, c.key) })}
              aria-label=${`Sort by ${c.title}`}>${c.title}${this.sort.by === c.key ? (this.sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}</button>
          </vscode-table-header-cell>`)}
        </vscode-table-header>
        <vscode-table-body slot="body">${rows.slice(0, this.rowLimit).map((c) => this.row(c))}</vscode-table-body>
      </vscode-table>`)}
      ${rows.length > this.rowLimit ? html`<p><vscode-button secondary @click=${() => { this.rowLimit += ROW_STEP; }}>
        Show ${Math.min(ROW_STEP, rows.length - this.rowLimit)} more (${formatCount(rows.length - this.rowLimit)} not shown)</vscode-button></p>` : nothing}`;
  }

  private check(key: 'onlyNegative' | 'onlyWithSpurious' | 'onlyUnlabeled', label: string) {
    return html`<vscode-checkbox label=${label} .checked=${this.filter[key]}
      @change=${(e: Event) => this.setFilter({ [key]: (e.target as HTMLInputElement).checked })}></vscode-checkbox>`;
  }

  private setFilter(patch: Partial<ClassFilter>): void {
    emitUi(this, { filter: { ...this.filter, ...patch } });
  }

  /** One line on the gaps whose interval includes 0: which, and how many validation images would settle the first. */
  private openNote(withGap: readonly ClassSummary[]): string {
    const open = withGap.filter((c) => significanceOf(c) === 'not-significant');
    const names = open.slice(0, 3).map((c) => c.name).join(', ') + (open.length > 3 ? ` and ${formatCount(open.length - 3)} more` : '');
    const one = open.length === 1;
    const need = imagesNeededText(open[0]);
    return `${formatCount(open.length)} ${one ? 'gap is' : 'gaps are'} not significant (${names}): ${one ? 'its interval includes' : 'their intervals include'} 0, `
      + `so ${one ? 'it is not a finding' : 'they are not findings'} and ${one ? 'is' : 'are'} never counted as negative.${need ? ` ${open[0].name}: ${need}` : ''}`;
  }

  /** The mean gap's chip, by the per-class rule: a finding only when its interval excludes 0. */
  private meanVerdict(p: PanelState) {
    const v = meanSignificanceOf(p);
    if (!v) return nothing;
    return html`<div class="mean-verdict"><span class=${`chip ${v === 'not-significant' ? 'open' : v}`} title=${MEAN_VERDICT_HELP[v]}>${v === 'not-significant' ? 'not significant' : v}</span></div>`;
  }

  /** The gap's chip: negative only when its interval is below 0; an interval across 0 is "not significant". */
  private verdict(c: ClassSummary) {
    const v = significanceOf(c);
    if (v === 'negative') return html` <span class="chip negative" title="Negative gap (95% interval below 0): low-spuriosity images are classified better; review for label noise">negative</span>`;
    if (v === 'not-significant') return html` <span class="chip open" title=${notSignificantText(c)}>not significant</span>`;
    return nothing;
  }

  private row(c: ClassSummary) {
    const open = (): void => emitUi(this, { tab: 'class', selectedClass: c.name, detailId: null });
    return html`<vscode-table-row tabindex="0" aria-label=${`Open class ${c.name}`} @click=${open}
        @keydown=${(e: KeyboardEvent) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } }}>
      <vscode-table-cell>${c.name}${c.labeled ? nothing : html` <span class="chip" title="Top features not all labeled">unlabeled</span>`}</vscode-table-cell>
      <vscode-table-cell class="num">${formatCount(c.images)}</vscode-table-cell>
      <vscode-table-cell class="num">${formatCount(c.valImages)}</vscode-table-cell>
      <vscode-table-cell class="num">${formatPercent(c.accuracy)}</vscode-table-cell>
      <vscode-table-cell class="num">${c.spuriousFeatures}</vscode-table-cell>
      <vscode-table-cell class="num ${isSignificantNegative(c) ? 'neg' : ''}">${formatInterval(c.gap)}${this.verdict(c)}</vscode-table-cell>
    </vscode-table-row>`;
  }
}
