// Which model's features the Labeling view labels: after a comparison, any compared model (each has its own top
// features and annotation file). Says how many spurious labels each has, so a model without any stands out.
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import { keyed } from 'lit/directives/keyed.js';
import type { LabelingModel, LabelingModels } from '../../shared/protocol';
import { post } from '../lib/host';
import { sharedStyles } from '../lib/shared-styles';

const fileName = (p: string) => p.split(/[\\/]/).pop() ?? p;
const labelsText = (m: LabelingModel) => (m.spuriousPairs === 0 ? 'no spurious labels' : `${m.spuriousPairs} spurious label${m.spuriousPairs === 1 ? '' : 's'}`);

/** `<model-switcher>`: a model picker above the labeling cards; renders nothing until there is more than one model. */
@customElement('model-switcher')
export class ModelSwitcher extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; }
    .bar { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: center; margin: 4px 0 8px; }
    vscode-single-select { min-width: 260px; }
    .warn { color: var(--vscode-editorWarning-foreground, var(--vscode-errorForeground)); }
  `];

  @property({ attribute: false }) models: LabelingModels | null = null;

  protected override render() {
    const lm = this.models;
    if (!lm || lm.models.length < 2) return nothing;
    const active = lm.models.find((m) => m.sha256 === lm.active) ?? lm.models[0];
    return html`<div class="bar" role="group" aria-label="Model to label">
      <label for="model">Labeling model</label>
      ${keyed(lm.models.map((m) => `${m.sha256}:${m.spuriousPairs}`).join(','), html`<vscode-single-select id="model" aria-label="Model whose features to label" .value=${active.sha256} ?disabled=${lm.loading}
        @change=${(e: Event) => {
          const sha = (e.target as HTMLSelectElement).value;
          const m = lm.models.find((x) => x.sha256 === sha);
          if (m && sha !== lm.active) post({ type: 'selectLabelingModel', model: m.ranked ? null : sha });
        }}>
        ${lm.models.map((m) => html`<vscode-option value=${m.sha256} ?selected=${m.sha256 === active.sha256}
          description=${fileName(m.annotations)}>${m.id}${m.ranked ? ' (ranked)' : ''} · ${labelsText(m)}</vscode-option>`)}
      </vscode-single-select>`)}
      ${lm.loading ? html`<span role="status">Opening ${active.id}'s features from the cache…</span>`
        : html`<span class="muted" title=${active.annotations}>labels go to ${fileName(active.annotations)}${active.ranked ? '' : '; the Models tab updates as you label'}</span>`}
      ${!lm.loading && active.spuriousPairs === 0 ? html`<span class="warn">${active.id} has no spurious labels yet: it has no gap in the comparison</span>` : nothing}
    </div>`;
  }
}
