// Sensitivity of the model to one feature's region, measured on demand: accuracy drop and true-class
// probability drop when the region is grayed (colour), blurred (texture) or cut into rotated patches (shape).
// Shown in each labeling card so a human sees what the model uses the region for before calling it core or spurious.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { CORRUPTIONS, type JobProgress, type SensitivityView } from '../../shared/protocol';
import { post } from '../lib/host';
import { formatPercent, formatPoints } from '../lib/format';
import { sharedStyles } from '../lib/shared-styles';
import {
  CORRUPTION_METHODS, CORRUPTION_TITLES, MEASURE_HELP, MEASURE_TITLES, MEASURES, dropsOf, sensitivityHint, sensitivityPick,
  type SensitivityMeasure,
} from './sensitivity.logic';

/** `<sensitivity-table>`: a "Measure" button, then a two-row table (accuracy drop, probability drop) with the deciding cell highlighted. */
@customElement('sensitivity-table')
export class SensitivityTable extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; font-size: 0.92em; }
    table { border-collapse: collapse; width: 100%; table-layout: fixed; }
    th, td { padding: 1px 4px; text-align: right; font-variant-numeric: tabular-nums; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
    th { font-weight: 600; color: var(--vscode-descriptionForeground); white-space: normal; }
    th:first-child, td:first-child { text-align: left; }
    tbody th { font-weight: 600; color: var(--vscode-descriptionForeground); }
    td.max {
      font-weight: 700; color: var(--vscode-foreground);
      background: color-mix(in srgb, var(--vscode-charts-red) 28%, transparent);
      outline: 1px solid var(--vscode-contrastActiveBorder, transparent);
    }
    .row { display: flex; flex-wrap: wrap; gap: 4px 8px; align-items: center; }
    vscode-progress-bar { flex: 1; min-width: 80px; }
    p { margin: 2px 0; }
  `];

  @property() cls = '';
  @property({ type: Number }) feature = -1;
  /** The host's answer for this (class, feature), once measured. */
  @property({ attribute: false }) result: SensitivityView | undefined = undefined;
  /** The sensitivity job running now (for any feature), if any. */
  @property({ attribute: false }) job: JobProgress | undefined = undefined;

  private measure(): void {
    post({ type: 'requestSensitivity', class: this.cls, feature: this.feature });
  }

  protected override render() {
    const r = this.result;
    const mine = this.job !== undefined && this.job.class === this.cls && this.job.feature === this.feature;
    if (mine) {
      return html`<div class="row" role="status">
        <span class="muted">${this.job!.message}</span>
        <vscode-progress-bar aria-label=${`Measuring sensitivity of feature ${this.feature}`}
          .value=${this.job!.fraction ?? undefined} max="1" ?indeterminate=${this.job!.fraction === null}></vscode-progress-bar>
        <vscode-button secondary icon="debug-stop" @click=${() => post({ type: 'cancel', target: 'sensitivity' })}>Cancel</vscode-button>
      </div>`;
    }
    if (!r) {
      return html`<div class="row">
        <vscode-button secondary icon="beaker" ?disabled=${this.job !== undefined} @click=${() => this.measure()}
          title="Corrupt this feature's region on its top-activating images (gray, blur, rotated patches) and measure the drops in accuracy and in the true class's probability">
          Measure sensitivity</vscode-button>
        ${this.job ? html`<span class="muted">another feature is being measured</span>` : nothing}
      </div>`;
    }
    const pick = sensitivityPick(r);
    const hint = sensitivityHint(r);
    const row = (m: SensitivityMeasure) => {
      const drops = dropsOf(r, m);
      return html`<tr><th scope="row" title=${MEASURE_HELP[m]}>${MEASURE_TITLES[m]}</th>
        ${CORRUPTIONS.map((c) => {
          const max = pick !== null && pick.measure === m && pick.corruption === c;
          const what = m === 'accuracy' ? 'accuracy drop' : 'true-class probability drop';
          return html`<td class=${max ? 'max' : ''} title=${`${CORRUPTION_TITLES[c]} (${CORRUPTION_METHODS[c]}): ${what} ${formatPoints(drops[c])} points${max ? ` (largest${m === 'probability' ? '; accuracy saturated' : ''})` : ''}`}>
            ${formatPoints(drops[c])}${max ? html`<span class="sr-only"> (largest)</span>` : nothing}</td>`;
        })}</tr>`;
    };
    return html`<table aria-label=${`Drop in points when feature ${r.feature}'s region is corrupted: accuracy, and the true class's probability`}>
        <thead><tr><th scope="col" title="Drop in points, clean minus corrupted">Drop</th>
          ${CORRUPTIONS.map((c) => html`<th scope="col" title=${CORRUPTION_METHODS[c]}>${CORRUPTION_TITLES[c]}</th>`)}</tr></thead>
        <tbody>${MEASURES.map(row)}</tbody>
      </table>
      <p class="muted" title=${`${MEASURE_HELP.accuracy}.\n${MEASURE_HELP.probability}.\n${hint}`}>Drops in points · clean acc. ${formatPercent(r.clean, 0)} · ${r.images} image${r.images === 1 ? '' : 's'}${pick?.measure === 'probability' ? ' · accuracy saturated: P(true) decides' : ''}${r.note ? ` · ${r.note}` : ''}</p>
      <p class="sr-only">${MEASURE_HELP.accuracy}. ${MEASURE_HELP.probability}. ${hint}</p>`;
  }
}

