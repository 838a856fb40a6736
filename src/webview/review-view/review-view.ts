// Collisions and review: spurious features of one class that are core for another, and a queue
// of images worth a second look (possible label noise), each openable in the editor and markable as a label error
// or excluded (kept in the review file beside the annotations; an excluded image leaves rankings and gaps).
import { LitElement, css, html, nothing } from 'lit';
import { customElement, property } from 'lit/decorators.js';
import type { CollisionPair, ReviewItem, ReviewMarkKind } from '../../shared/protocol';
import { post } from '../lib/host';
import { emitUi } from '../lib/events';
import { formatZ } from '../lib/format';
import { sharedStyles } from '../lib/shared-styles';

const REASONS: Record<ReviewItem['reason'], string> = {
  'negative-gap': 'high spuriosity in a negative-gap class',
  collision: 'predicted as a colliding class',
  marked: 'marked by you',
  misclassified: 'misclassified (most probable first)',
};

/** `<review-view>`: collision pairs table and review queue. */
@customElement('review-view')
export class ReviewView extends LitElement {
  static override styles = [sharedStyles, css`
    .queue { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 8px; }
    .item { display: flex; gap: 8px; align-items: flex-start; border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); padding: 6px; border-radius: 4px; }
    .item img { width: 72px; height: 72px; object-fit: cover; flex: none; }
    .item div { min-width: 0; overflow-wrap: anywhere; }
    .bad { color: var(--vscode-errorForeground); }
    .item.excluded img { opacity: 0.45; }
    .marks { display: flex; flex-wrap: wrap; gap: 4px; margin-top: 4px; }
    .marks vscode-button { font-size: 0.9em; }
  `];

  @property({ attribute: false }) collisions: CollisionPair[] | null = null;
  @property({ attribute: false }) review: ReviewItem[] | null = null;
  private asked = false;

  protected override willUpdate(): void {
    if (!this.asked) {
      this.asked = true;
      if (this.collisions === null) post({ type: 'requestCollisions' });
      if (this.review === null) post({ type: 'requestReviewQueue' });
    }
  }

  private markButton(r: ReviewItem, mark: ReviewMarkKind, on: boolean) {
    const text = mark === 'labelError' ? (on ? 'Not a label error' : 'Label error') : (on ? 'Include again' : 'Exclude');
    const aria = mark === 'labelError'
      ? (on ? `Clear the label-error flag of ${r.id}` : `Flag ${r.id} as a label error`)
      : (on ? `Bring ${r.id} back into rankings and gaps` : `Exclude ${r.id} from rankings, gaps and tuning`);
    return html`<vscode-button secondary aria-label=${aria} data-mark=${mark} aria-pressed=${on ? 'true' : 'false'}
      @click=${() => post({ type: 'markImage', id: r.id, mark, on: !on })}>${text}</vscode-button>`;
  }

  protected override render() {
    const openClass = (name: string): void => emitUi(this, { tab: 'class', selectedClass: name, detailId: null });
    return html`
      <h2>Spurious feature collisions</h2>
      <p class="muted">A feature spurious for one class and core for another: images of the first class carrying the cue get read as the second.</p>
      ${this.collisions === null ? html`<p class="muted">Loading…</p>` : this.collisions.length === 0
        ? html`<p class="muted">No collisions among the labeled features.</p>`
        : html`<vscode-table zebra bordered-rows aria-label="Collision pairs" columns='["32%","14%","32%","22%"]'>
          <vscode-table-header slot="header">
            <vscode-table-header-cell>Spurious for</vscode-table-header-cell><vscode-table-header-cell>Feature</vscode-table-header-cell>
            <vscode-table-header-cell>Core for</vscode-table-header-cell><vscode-table-header-cell>Confusions</vscode-table-header-cell>
          </vscode-table-header>
          <vscode-table-body slot="body">${this.collisions.map((c) => html`<vscode-table-row>
            <vscode-table-cell><button class="link" @click=${() => openClass(c.spuriousClass)}>${c.spuriousClass}</button></vscode-table-cell>
            <vscode-table-cell>#${c.feature}</vscode-table-cell>
            <vscode-table-cell><button class="link" @click=${() => openClass(c.coreClass)}>${c.coreClass}</button></vscode-table-cell>
            <vscode-table-cell>${c.confusions}</vscode-table-cell>
          </vscode-table-row>`)}</vscode-table-body>
        </vscode-table>`}
      <h2>Review queue</h2>
      <p class="muted">Images worth a second look for label noise or multiple objects. <strong>Label error</strong> flags an image
        (the gallery can filter on it); <strong>Exclude</strong> leaves it out of rankings, gaps and tuning sets. Marks are saved in
        <code>.spuriosity/review.json</code> beside the annotations (<code>spuriosity gap --exclude-reviewed</code> uses them too) and can be undone here.</p>
      ${this.review === null ? html`<p class="muted">Loading…</p>` : this.review.length === 0
        ? html`<p class="muted">Nothing to review.</p>`
        : html`<div class="queue" role="list" aria-label="Review queue">${this.review.map((r) => html`<div class="item ${r.excluded ? 'excluded' : ''}" role="listitem" data-id=${r.id}>
            <img src=${r.thumbUri} alt="">
            <div>
              <div><strong>${r.id.split('/').pop()}</strong>
                ${r.labelError ? html` <span class="chip spurious">label error</span>` : nothing}${r.excluded ? html` <span class="chip">excluded</span>` : nothing}</div>
              <div class="muted">${REASONS[r.reason]}</div>
              <div>label ${r.label}${r.predicted !== r.label ? html`, predicted <span class="bad">${r.predicted}</span>` : nothing} · spuriosity ${formatZ(r.spuriosity)}</div>
              ${r.note ? html`<div class="muted">${r.note}</div>` : nothing}
              <button class="link" aria-label=${`Open ${r.id} in the editor`} @click=${() => post({ type: 'openImage', id: r.id })}>Open in editor</button>
              ${r.excluded ? nothing : html`· <button class="link" aria-label=${`Show ${r.id} in its class`}
                @click=${() => emitUi(this, { tab: 'class', selectedClass: r.label, detailId: r.id })}>Show in class</button>`}
              <div class="marks">
                ${this.markButton(r, 'labelError', r.labelError === true)}
                ${this.markButton(r, 'excluded', r.excluded === true)}
              </div>
            </div>
          </div>`)}</div>`}`;
  }
}
