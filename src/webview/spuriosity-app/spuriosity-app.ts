// Root of the panel: owns the data the host sent and the persisted UI state, routes tabs, and
// shows notifications. Views raise `ui-change` events; only this element changes UI state.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, state } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import { TABS, type HostToWebview, type PanelState, type Tab } from '../../shared/protocol';
import { applyHostMessage, EMPTY_DATA, labelsRankedModel, type AppData } from '../lib/app-state';
import { loadSensitivity, loadUiState, onHostMessage, post, saveSensitivity, saveUiState } from '../lib/host';
import { sensitivityToSave } from '../lib/sensitivity-store';
import { DEFAULT_UI, type UiState } from '../lib/ui-state';
import type { UiPatch } from '../lib/events';
import { sharedStyles } from '../lib/shared-styles';
import '../overview-view/overview-view';
import '../class-view/class-view';
import '../labeling-view/labeling-view';
import '../mitigation-view/mitigation-view';
import '../review-view/review-view';
import '../crops-view/crops-view';
import '../compare-view/compare-view';
import { labelingPanel } from '../model-switcher/labeling-panel';

/** Why this head classifies: the model's own when its classes cover the dataset's, else a head fitted on the dataset. */
function headTitle(h: NonNullable<PanelState['head']>): string {
  if (h.source === 'model') return "Predictions, probabilities and importances use the model's own classification head (its classes match the dataset's).";
  const why = h.mode === 'fit' ? 'the headMode setting is "fit"' : "the model's classes do not cover the dataset's classes (headMode \"auto\")";
  return `Predictions, probabilities and importances use a linear head fitted on this dataset's training features: ${why}.`;
}

const TAB_TITLES: Record<Tab, string> = {
  overview: 'Overview', class: 'Class', labeling: 'Labeling', mitigation: 'Mitigation', review: 'Collisions & review',
  crops: 'Core crops', compare: 'Models',
};

/** `<spuriosity-app>`: the whole panel. */
@customElement('spuriosity-app')
export class SpuriosityApp extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; padding: 0 12px 12px; }
    .title { display: flex; flex-wrap: wrap; gap: 4px 16px; align-items: baseline; margin-top: 8px; }
    .title h1 { font-size: 1.3em; margin: 0; font-weight: 600; }
    .notice { display: flex; gap: 8px; align-items: center; padding: 4px 8px; margin: 4px 0; border: 1px solid; }
    .notice.info { border-color: var(--vscode-inputValidation-infoBorder); background: var(--vscode-inputValidation-infoBackground); }
    .notice.warning { border-color: var(--vscode-inputValidation-warningBorder); background: var(--vscode-inputValidation-warningBackground); }
    .notice.error { border-color: var(--vscode-inputValidation-errorBorder); background: var(--vscode-inputValidation-errorBackground); }
    .notice span { flex: 1; }
    vscode-tab-panel { padding-top: 8px; }
  `];

  @state() private data: AppData = EMPTY_DATA;
  @state() private ui: UiState = DEFAULT_UI;
  private stop: (() => void) | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    this.ui = loadUiState();
    this.data = { ...EMPTY_DATA, pendingSensitivity: loadSensitivity() };
    this.stop = onHostMessage((m) => this.onMessage(m));
    this.addEventListener('ui-change', this.onUi as EventListener);
    post({ type: 'ready' });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stop?.();
    this.removeEventListener('ui-change', this.onUi as EventListener);
  }

  protected override async firstUpdated(): Promise<void> {
    // vscode-tabs lays its headers in one unwrapped row: at narrow widths the last tabs would be clipped out of reach.
    const tabs = this.renderRoot.querySelector('vscode-tabs') as (HTMLElement & { updateComplete?: Promise<unknown> }) | null;
    await tabs?.updateComplete;
    const root = tabs?.shadowRoot;
    if (!root) return;
    const sheet = new CSSStyleSheet();
    sheet.replaceSync('.tablist { flex-wrap: wrap; row-gap: 2px; }');
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  }

  private onMessage(m: HostToWebview): void {
    const next = applyHostMessage(this.data, m);
    this.keepSensitivity(this.data, next);
    if (next.requestedTab) {
      const r = next.requestedTab;
      this.patchUi(r.class === undefined ? { tab: r.tab } : { tab: r.tab, selectedClass: r.class, labelingClass: r.class, cropsClass: r.class });
      this.data = { ...next, requestedTab: null };
    } else {
      this.data = next;
    }
  }

  /** Saves measured sensitivities when they changed (a reload restarts the host and its cache; see sensitivity-store). */
  private keepSensitivity(before: AppData, after: AppData): void {
    if (before.sensitivity === after.sensitivity && before.pendingSensitivity === after.pendingSensitivity) return;
    // a compared model's sensitivities are not saved (the reloaded panel labels the ranked model): keep the last save
    if (!after.panel || !labelsRankedModel(after)) return;
    saveSensitivity(sensitivityToSave(after.panel, after.sensitivity, after.featureCards, after.pendingSensitivity));
  }

  private onUi = (e: CustomEvent<UiPatch>): void => {
    e.stopPropagation();
    this.patchUi(e.detail);
  };

  private patchUi(patch: UiPatch): void {
    const tabChanged = patch.tab !== undefined && patch.tab !== this.ui.tab;
    this.ui = { ...this.ui, ...patch };
    saveUiState(this.ui);
    if (tabChanged) post({ type: 'showTab', tab: this.ui.tab });
  }

  protected override render() {
    const p = this.data.panel;
    const active = TABS.indexOf(this.ui.tab);
    return html`
      <div class="title">
        <h1>Spuriosity Lens</h1>
        ${p ? html`<span class="muted" title=${p.dataset.root}>${p.dataset.name} · ${p.model.name}</span>` : nothing}
        ${p?.head ? html`<span class="chip head" title=${headTitle(p.head)}>${p.head.source === 'model' ? "model's own head" : 'fitted head'}</span>` : nothing}
      </div>
      <div role="region" aria-label="Notifications" aria-live="polite">
        ${this.data.notices.map((n) => html`<div class="notice ${n.level}" role=${n.level === 'error' ? 'alert' : 'status'}>
          <span>${n.message}</span>
          <vscode-button secondary icon="close" aria-label="Dismiss notification"
            @click=${() => { this.data = { ...this.data, notices: this.data.notices.filter((x) => x.id !== n.id) }; }}></vscode-button>
        </div>`)}
      </div>
      <vscode-tabs .selectedIndex=${active} @vsc-tabs-select=${(e: CustomEvent<{ selectedIndex: number }>) => {
        const tab = TABS[e.detail.selectedIndex];
        if (tab) this.patchUi({ tab });
      }}>
        ${TABS.map((t) => html`<vscode-tab-header slot="header" id=${`tab-${t}`}>${TAB_TITLES[t]}</vscode-tab-header>`)}
        ${TABS.map((t) => html`<vscode-tab-panel aria-labelledby=${`tab-${t}`}>${t === this.ui.tab ? this.view(t) : nothing}</vscode-tab-panel>`)}
      </vscode-tabs>`;
  }

  private view(t: Tab) {
    const p = this.data.panel;
    const u = this.ui;
    switch (t) {
      case 'overview':
        return html`<overview-view .panel=${p} .sort=${u.sort} .filter=${u.filter}></overview-view>`;
      case 'class':
        return html`<class-view .panel=${p} .selectedClass=${u.selectedClass} .order=${u.order} .split=${u.split}
          .overlay=${u.overlay} .detailId=${u.detailId} .detail=${this.data.detail} .crops=${this.data.crops}
          .heat=${u.heat} .heatOpacity=${u.heatOpacity} .galleryFilter=${u.galleryFilter} .cards=${this.data.featureCards}></class-view>`;
      case 'labeling': {
        // a fresh view per labeled model (and once its analysis opened): requests and optimistic labels are per model
        const lm = this.data.labelingModels;
        return keyed(`${lm?.active ?? ''}:${lm?.loading ?? false}`, html`<labeling-view .panel=${labelingPanel(p, lm)} .cards=${this.data.featureCards} .labelingClass=${u.labelingClass}
          .focusIndex=${u.labelingFocus} .sensitivity=${this.data.sensitivity} .sensitivityJob=${this.data.jobs.sensitivity} .models=${lm}
          .suggestJob=${this.data.jobs.suggest} .canSuggest=${labelsRankedModel(this.data)}></labeling-view>`);
      }
      case 'mitigation':
        return html`<mitigation-view .panel=${p}></mitigation-view>`;
      case 'review':
        return html`<review-view .collisions=${this.data.collisions} .review=${this.data.review}></review-view>`;
      case 'crops':
        return html`<crops-view .panel=${p} .cropsClass=${u.cropsClass} .rechecks=${this.data.rechecks} .job=${this.data.jobs.crops}></crops-view>`;
      case 'compare':
        return html`<compare-view .comparison=${this.data.comparison} .job=${this.data.jobs.compare}></compare-view>`;
    }
  }
}
