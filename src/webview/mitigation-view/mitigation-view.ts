// Mitigation: pick a training set, fine-tune the head with live per-epoch gap and accuracy,
// compare before/after across methods, and export the tuned head.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import { EXPORT_KINDS, TUNING_METHODS, type ExportKind, type TuningMethod, type PanelState } from '../../shared/protocol';
import { post } from '../lib/host';
import { beforeAfterConfig, progressChartConfig } from '../lib/chart-configs';
import { sharedStyles } from '../lib/shared-styles';
import type { ChartFactory } from '../themed-chart/themed-chart';
import { METHOD_NAMES, resultSummary } from './mitigation.logic';
import '../themed-chart/themed-chart';

const EXPORT_NAMES: Record<ExportKind, string> = { 'head-json': 'Head as JSON', 'head-npy': 'Head as .npy', onnx: 'Model as ONNX' };
const METHOD_HELP: Record<TuningMethod, (k: number) => string> = {
  'low-spuriosity': (k) => `the ${k} lowest-spuriosity training images of each class with a spurious feature`,
  random: (k) => `${k} random training images per class (baseline)`,
  error: (k) => `${k} misclassified training images per class (baseline)`,
};

/** `<mitigation-view>`: low-spuriosity fine-tuning and its baselines. */
@customElement('mitigation-view')
export class MitigationView extends LitElement {
  static override styles = [sharedStyles, css`
    themed-chart { height: 240px; margin: 8px 0 16px; }
    ul { padding-left: 1.2em; }
  `];

  @property({ attribute: false }) panel: PanelState | null = null;
  @state() private method: TuningMethod = 'low-spuriosity';

  private progressFor: unknown = null;
  private progressFactory: ChartFactory | null = null;
  private resultsFor: unknown = null;
  private resultsFactory: ChartFactory | null = null;

  protected override render() {
    const p = this.panel;
    if (!p) return html`<div class="empty">Waiting for the dataset…</div>`;
    const m = p.mitigation;
    if (this.progressFor !== m.history) {
      const h = m.history;
      this.progressFor = h;
      this.progressFactory = (t) => progressChartConfig(h, t) as never;
    }
    if (this.resultsFor !== m.results) {
      const r = m.results;
      this.resultsFor = r;
      this.resultsFactory = (t) => beforeAfterConfig(r, t) as never;
    }
    const noSpurious = p.classes.every((c) => c.spuriousFeatures === 0);
    const last = m.history[m.history.length - 1];
    return html`
      <div class="toolbar">
        <vscode-radio-group aria-label="Training set" @change=${(e: Event) => { this.method = (e.target as HTMLInputElement).value as TuningMethod; }}>
          ${TUNING_METHODS.map((k) => html`<vscode-radio name="method" value=${k} label=${METHOD_NAMES[k]} ?checked=${this.method === k}
            title=${METHOD_HELP[k]}></vscode-radio>`)}
        </vscode-radio-group>
        ${m.running
          ? html`<vscode-button secondary icon="debug-stop" @click=${() => post({ type: 'cancel', target: 'mitigation' })}>Cancel</vscode-button>`
          : html`<vscode-button icon="play" ?disabled=${noSpurious} @click=${() => post({ type: 'runMitigation', method: this.method })}>Run</vscode-button>`}
      </div>
      <p class="muted">Fine-tunes only the linear head on ${METHOD_HELP[this.method](p.mitigation.tuneK ?? 100)}; stops early once the mean validation gap falls below ${p.mitigation.gapThresholdPoints ?? 5} points.</p>
      ${noSpurious ? html`<p class="warn">No feature is labeled spurious yet: label some in the Labeling tab first.</p>` : nothing}
      ${m.running || m.history.length > 1 ? html`
        <h3>${m.running ? `Running: ${METHOD_NAMES[m.running]}` : 'Last run'}</h3>
        ${m.running && last ? html`<vscode-progress-bar aria-label="Mitigation progress" value=${last.epoch} max=${Math.max(1, m.maxEpochs)}></vscode-progress-bar>
          <p role="status">epoch ${last.epoch} of at most ${m.maxEpochs}</p>` : nothing}
        <themed-chart .factory=${this.progressFactory} summary="Line chart of mean gap and accuracy per epoch"></themed-chart>` : nothing}
      ${m.results.length ? html`
        <h3>Before and after</h3>
        <themed-chart .factory=${this.resultsFactory} summary="Grouped bars of gap and accuracy before and after each method"></themed-chart>
        <ul>${m.results.map((r) => html`<li><strong>${METHOD_NAMES[r.method]}</strong> (${r.trainImages} images): ${resultSummary(r)}</li>`)}</ul>
        <div class="toolbar" role="group" aria-label="Export">
          ${EXPORT_KINDS.map((k) => html`<vscode-button secondary icon="export" @click=${() => post({ type: 'export', kind: k })}>${EXPORT_NAMES[k]}</vscode-button>`)}
        </div>` : nothing}`;
  }
}
