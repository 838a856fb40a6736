// Models: one dataset ranked under several models (paper section 4.2, appendix D). Accuracy on high vs
// low spuriosity images per model with the through-origin fit and y = x, effective robustness per model,
// the correlation of class-wise gaps between models, and how much gaps vary across classes vs models.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { CompareModelView, ComparisonView, JobProgress } from '../../shared/protocol';
import { post } from '../lib/host';
import { formatPercent, formatPoints } from '../lib/format';
import { sharedStyles } from '../lib/shared-styles';
import type { ChartTheme } from '../lib/theme';
import { compareScatterConfig, correlationCellStyle, correlationText, olsText, plottedModels, unlabeledModels } from './compare.logic';
import '../themed-chart/themed-chart';

/** `<compare-view>`: run a comparison, then its scatter, model table and correlation matrix. */
@customElement('compare-view')
export class CompareView extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; }
    vscode-progress-bar { flex: 1; min-width: 120px; }
    /* The Models table gets the full width (it is the widest block); the chart and the correlation matrix share the
       row below, and the matrix wraps under the chart once both would not fit at their own widths. */
    .cols { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
    .cols > .chart { flex: 1 1 420px; min-width: 0; max-width: 820px; }
    .cols > .corr { flex: 1 1 auto; min-width: 0; }
    themed-chart { height: 340px; }
    .scroll { overflow-x: auto; max-width: 100%; }
    .scroll::-webkit-scrollbar { height: 10px; }
    .scroll::-webkit-scrollbar-thumb { background: var(--vscode-scrollbarSlider-background); }
    .scroll::-webkit-scrollbar-thumb:hover { background: var(--vscode-scrollbarSlider-hoverBackground); }
    table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
    th, td { padding: 3px 8px; text-align: right; border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); white-space: nowrap; }
    th { font-weight: 600; }
    th:first-child, td:first-child { text-align: left; }
    td.model { white-space: normal; min-width: 120px; max-width: 260px; }
    th.wrap { white-space: normal; }
    td.labels { text-align: left; }
    td.labels > div { display: flex; gap: 6px; align-items: center; }
    .none { color: var(--vscode-editorWarning-foreground, var(--vscode-errorForeground)); }
    .notice { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; padding: 6px 8px; margin: 8px 0; border: 1px solid;
      border-color: var(--vscode-inputValidation-warningBorder); background: var(--vscode-inputValidation-warningBackground); }
    .notice span { flex: 1 1 320px; }
    tr.out td { color: var(--vscode-descriptionForeground); }
    .matrix td { min-width: 56px; text-align: center; border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); }
    .pos { color: var(--vscode-charts-green); }
    .negv { color: var(--vscode-errorForeground); }
    .stats { display: flex; flex-wrap: wrap; gap: 4px 24px; }
    .big { font-size: 1.3em; font-weight: 600; }
    ul { margin: 4px 0; padding-left: 20px; }
  `];

  @property({ attribute: false }) comparison: ComparisonView | null = null;
  @property({ attribute: false }) job: JobProgress | undefined = undefined;

  private factoryFor: ComparisonView | null = null;
  private factory: ((t: ChartTheme) => ReturnType<typeof compareScatterConfig>) | null = null;

  protected override render() {
    const c = this.comparison;
    const running = this.job !== undefined;
    return html`
      <div class="toolbar">
        <vscode-button icon="versions" ?disabled=${running} @click=${() => post({ type: 'runComparison' })}>
          ${c ? 'Compare again…' : 'Compare models…'}</vscode-button>
        <span class="muted">Ranks this dataset under each model you pick, with that model's own feature labels.</span>
      </div>
      ${running ? html`<div class="toolbar" role="status">
        <span>${this.job!.message}</span>
        <vscode-progress-bar aria-label="Model comparison" .value=${this.job!.fraction ?? undefined} max="1"
          ?indeterminate=${this.job!.fraction === null}></vscode-progress-bar>
        <vscode-button secondary icon="debug-stop" @click=${() => post({ type: 'cancel', target: 'compare' })}>Cancel</vscode-button>
      </div>` : nothing}
      ${c ? this.result(c) : running ? nothing : html`<div class="empty">No comparison yet. Press <strong>Compare models…</strong> (or run
        <em>Spuriosity: Compare Models…</em> from the Command Palette) and pick two or more ONNX models. Each model needs spurious
        features labeled (its own annotation file) to get gaps.</div>`}`;
  }

  /** Opens the Labeling view on this model's features (its own top features and annotation file). */
  private label(m: CompareModelView): void {
    if (m.sha256) post({ type: 'selectLabelingModel', model: m.sha256 });
  }

  private labelsCell(m: CompareModelView) {
    if (m.spuriousPairs === undefined || !m.sha256) return '—';
    const n = m.spuriousPairs;
    return html`<div><span class=${n === 0 ? 'none' : ''}>${n === 0 ? 'none' : n}</span>
      <vscode-button ?secondary=${n > 0} title=${`Label ${m.id}'s features${m.annotations ? ` (${m.annotations})` : ''}`}
        aria-label=${`Label ${m.id}'s features`} @click=${() => this.label(m)}>${n === 0 ? 'Label' : 'Edit'}</vscode-button></div>`;
  }

  private result(c: ComparisonView) {
    if (this.factoryFor !== c) {
      // A new factory only for new data, so other re-renders do not redraw the canvas.
      this.factoryFor = c;
      this.factory = (t) => compareScatterConfig(c, t);
    }
    const plotted = plottedModels(c);
    const v = c.variance;
    const ols = olsText(c);
    const unlabeled = unlabeledModels(c);
    return html`
      <h2>${c.dataset}: ${c.models.length} models</h2>
      ${unlabeled.length ? html`<div class="notice" role="status" data-notice="unlabeled">
        <span><strong>${unlabeled.map((m) => m.id).join(', ')}</strong> ${unlabeled.length === 1 ? 'has' : 'have'} no spurious labels, so no class is
          ranked and ${unlabeled.length === 1 ? 'it has' : 'they have'} no gap (left out of the statistics). Each model has its own top features and
          annotation file: label ${unlabeled.length === 1 ? 'its features' : 'theirs'} in the Labeling view and this tab updates as you go.</span>
        ${unlabeled.map((m) => html`<vscode-button icon="tag" @click=${() => this.label(m)}>Label ${m.id}</vscode-button>`)}
      </div>` : nothing}
      <div class="stats" role="group" aria-label="Comparison summary">
        <div><div class="muted">Mean pairwise correlation of class gaps</div><div class="big">${c.meanCorrelation === null ? '—' : `r = ${c.meanCorrelation.toFixed(2)}`}</div></div>
        <div><div class="muted">Gap variance, across classes vs across models</div><div class="big">${v && v.ratio !== null ? `${v.ratio.toFixed(1)}×` : '—'}</div>
          ${v ? html`<div class="muted">${v.acrossClasses.toFixed(1)} vs ${v.acrossModels.toFixed(1)} pts² over ${v.classes} shared classes</div>` : nothing}</div>
        <div title=${ols ?? ''}><div class="muted">Fit (through the origin)</div><div class="big">${c.fit ? `acc_low = ${c.fit.beta.toFixed(3)} × acc_high` : '—'}</div>
          ${c.fit ? html`<div class="muted">R² ${c.fit.r2 === null ? 'n/a' : c.fit.r2.toFixed(2)} · effective robustness is the distance above it</div>` : nothing}
          ${ols ? html`<span class="sr-only">${ols}</span>` : nothing}</div>
      </div>
      <section>
          <h3>Models</h3>
          <div class="scroll"><table aria-label="Models">
            <thead><tr><th scope="col">Model</th><th scope="col" class="wrap">Spurious labels</th><th scope="col">Val acc.</th><th scope="col">Acc. high</th><th scope="col">Acc. low</th>
              <th scope="col">Mean gap</th><th scope="col">Classes</th><th scope="col" class="wrap" title="accuracy on low-spuriosity images minus the fit's prediction">Eff. robustness</th></tr></thead>
            <tbody>${c.models.map((m) => html`<tr class=${m.included ? '' : 'out'} title=${m.note ? `${m.path}: ${m.note}` : m.path} data-model=${m.id}>
              <td class="model">${m.id}${m.note ? html`<br><span class="muted">${m.spuriousPairs === 0 && m.accuracy !== null ? 'no spurious labels yet: no gap' : m.note}</span>` : nothing}</td>
              <td class="labels">${this.labelsCell(m)}</td>
              <td>${formatPercent(m.accuracy)}</td><td>${formatPercent(m.accHigh)}</td><td>${formatPercent(m.accLow)}</td>
              <td>${m.meanGap === null ? '—' : `${formatPoints(m.meanGap)} pts`}</td><td>${m.classes}</td>
              <td class=${m.effectiveRobustness === null ? '' : m.effectiveRobustness >= 0 ? 'pos' : 'negv'}>${m.effectiveRobustness === null ? '—' : `${formatPoints(m.effectiveRobustness)} pts`}</td>
            </tr>`)}</tbody>
          </table></div>
      </section>
      <div class="cols">
        <section class="chart">
          <h3>Accuracy on high vs low spuriosity images</h3>
          ${plotted.length > 0
            ? html`<themed-chart .factory=${this.factory} summary=${`Scatter of ${plotted.length} models: accuracy on high-spuriosity images against low-spuriosity images, with the fit line and y = x`}></themed-chart>
              <p class="muted">Points below y = x are models more accurate on high-spuriosity images (a positive gap). Effective robustness is a model's distance above the fit line.</p>`
            : html`<p class="muted">No model has a measured gap yet: label spurious features of at least two models (buttons above).</p>`}
          ${plotted.length === 1 ? html`<p class="muted">One model has a measured gap: the fit, correlations and effective robustness need a second one.</p>` : nothing}
        </section>
        <section class="corr">
      <h3>Correlation of class-wise gaps</h3>
      ${c.matrixModels.length >= 2 ? html`<div class="scroll"><table class="matrix" aria-label="Pearson correlation of class-wise gaps between models">
        <thead><tr><th scope="col"><span class="sr-only">Model</span></th>${c.matrixModels.map((m) => html`<th scope="col">${m}</th>`)}</tr></thead>
        <tbody>${c.matrixModels.map((row, i) => html`<tr><th scope="row">${row}</th>${c.matrixModels.map((col, j) => html`<td
          style=${correlationCellStyle(c.matrix[i][j])} title=${`${row} vs ${col}: over ${c.shared[i][j]} shared classes`}>${correlationText(c.matrix[i][j], c.shared[i][j])}</td>`)}</tr>`)}</tbody>
      </table></div>
      <p class="muted">Pearson r over the classes both models measure; orange positive, blue negative, stronger for larger |r|.</p>`
      : html`<p class="muted">Needs at least two models with measured gaps.</p>`}
        </section>
      </div>
      ${c.notes.length ? html`<h3>Notes</h3><ul>${c.notes.map((n) => html`<li>${n}</li>`)}</ul>` : nothing}
      <details><summary>Gap per class and model (${c.gapTable.length} classes)</summary>
        <div class="scroll"><table aria-label="Spurious gap per class and model">
          <thead><tr><th scope="col">Class</th>${c.models.map((m) => html`<th scope="col">${m.id}</th>`)}</tr></thead>
          <tbody>${c.gapTable.map((r) => html`<tr><td>${r.class}</td>${r.gaps.map((g) => html`<td>${g === null ? '—' : formatPoints(g)}</td>`)}</tr>`)}</tbody>
        </table></div>
      </details>`;
  }
}
