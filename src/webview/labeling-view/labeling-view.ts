// Labeling: each class's top features with their most-activating images and heatmaps, labeled
// core / spurious (background, separate object) with single keys. Each label goes to the host at
// once; the host answers with new feature cards and a new state (rankings and gaps update live).
import { LitElement, css, html, nothing, type PropertyValues } from 'lit';
import { customElement, property, state } from 'lit/decorators.js';
import type { FeatureCard, FeatureLabel, JobProgress, LabelingModels, PanelState, SensitivityView, SpuriousSubtype } from '../../shared/protocol';
import { post } from '../lib/host';
import { emitUi } from '../lib/events';
import { formatNumber, formatPoints, progressText } from '../lib/format';
import { sharedStyles } from '../lib/shared-styles';
import { labeledClasses, sensitivityKey } from '../lib/app-state';
import '../sensitivity-table/sensitivity-table';
import '../model-switcher/model-switcher';
import { canAccept, classAfterDone, classDoneText, firstUnlabeled, focusAfterLabel, keyToAction, labelText, nextClass, suggestionText } from './labeling.logic';

const TEXT_CONTROLS = new Set(['INPUT', 'TEXTAREA', 'SELECT', 'VSCODE-TEXTFIELD', 'VSCODE-TEXTAREA', 'VSCODE-SINGLE-SELECT']);

/** True when the key is typed into a text field, or is an arrow key moving between the panel's tab headers. */
function keyBelongsToControl(e: KeyboardEvent): boolean {
  const path = e.composedPath() as Element[];
  if (path.some((el) => el.tagName !== undefined && TEXT_CONTROLS.has(el.tagName))) return true;
  return e.key.startsWith('Arrow') && path.some((el) => el.tagName === 'VSCODE-TAB-HEADER');
}

/** `<labeling-view>`: keyboard-first feature labeling. */
@customElement('labeling-view')
export class LabelingView extends LitElement {
  static override styles = [sharedStyles, css`
    :host { display: block; outline: none; }
    .head { display: flex; flex-wrap: wrap; gap: 8px 20px; align-items: baseline; }
    .keys { font-size: 0.9em; }
    kbd {
      font-family: var(--vscode-editor-font-family); font-size: 0.9em; padding: 0 4px; border-radius: 3px;
      border: 1px solid var(--vscode-widget-border, var(--vscode-contrastBorder, currentColor));
      background: var(--vscode-keybindingLabel-background); color: var(--vscode-keybindingLabel-foreground);
    }
    /* One row per feature (facts and buttons left, images right) so all top features fit on one screen. */
    .card {
      display: grid; grid-template-columns: minmax(250px, 300px) 1fr; gap: 4px 12px; align-items: start;
      border: 1px solid var(--vscode-widget-border, var(--vscode-panel-border)); border-radius: 4px; padding: 6px 8px; margin: 6px 0;
    }
    .card.focused { border-color: var(--vscode-focusBorder); box-shadow: 0 0 0 1px var(--vscode-focusBorder); }
    .card:focus { outline: none; }
    .card header { display: flex; flex-wrap: wrap; gap: 2px 10px; align-items: center; grid-column: 1; grid-row: 1; }
    .imgs { display: grid; grid-template-columns: repeat(5, minmax(60px, 112px)); gap: 6px; grid-column: 2; grid-row: 1 / span 3; }
    sensitivity-table { grid-column: 1; grid-row: 3; }
    /* Narrow panels: one column, images under the facts, so nothing overflows. */
    @media (max-width: 560px) {
      .card { grid-template-columns: 1fr; }
      .card header, .actions, sensitivity-table, .imgs { grid-column: 1; grid-row: auto; }
      .imgs { grid-template-columns: repeat(5, minmax(0, 1fr)); }
    }
    .imgs img { width: 100%; aspect-ratio: 1; object-fit: cover; display: block; cursor: pointer; }
    .actions { display: grid; grid-template-columns: repeat(2, max-content); gap: 4px; grid-column: 1; grid-row: 2; }
    vscode-button[aria-pressed='true'] { outline: 2px solid var(--vscode-focusBorder); }
    .done {
      display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; padding: 6px 10px; margin: 6px 0;
      border: 1px solid var(--vscode-inputValidation-infoBorder, var(--vscode-focusBorder));
      background: var(--vscode-inputValidation-infoBackground, transparent);
    }
    .done strong { font-weight: 600; }
    .suggest {
      font-size: 0.9em; padding: 0 6px; border-radius: 8px; white-space: nowrap;
      border: 1px dashed var(--vscode-focusBorder); color: var(--vscode-foreground);
    }
    .suggest-note { font-size: 0.85em; grid-column: 1 / -1; }
    .suggest-run { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; margin: 6px 0; }
    .suggest-run vscode-progress-bar { flex: 1; min-width: 120px; max-width: 480px; }
  `];

  @property({ attribute: false }) panel: PanelState | null = null;
  @property({ attribute: false }) cards: ReadonlyMap<string, FeatureCard[]> = new Map();
  @property() labelingClass: string | null = null;
  @property({ type: Number }) focusIndex = 0;
  /** Measured sensitivities (keyed by sensitivityKey) and the sensitivity job running now. */
  @property({ attribute: false }) sensitivity: ReadonlyMap<string, SensitivityView> = new Map();
  @property({ attribute: false }) sensitivityJob: JobProgress | undefined = undefined;
  /** Models of the last comparison the view can label instead of the ranked one (the switcher above the cards). */
  @property({ attribute: false }) models: LabelingModels | null = null;
  /** The mask-suggestion job running now, and whether suggestions can be computed (they are for the ranked model). */
  @property({ attribute: false }) suggestJob: JobProgress | undefined = undefined;
  @property({ type: Boolean }) canSuggest = false;

  /** Labels sent but not yet confirmed by the host, so the screen reacts at once. */
  private optimistic = new Map<string, { label: FeatureLabel | null; subtype: SpuriousSubtype | null; machine: boolean }>();
  /** Labels sent per class whose answer (new cards) has not arrived yet. */
  private unanswered = new Map<string, number>();
  private requested = new Set<string>();
  private lastCards: ReadonlyMap<string, FeatureCard[]> | null = null;
  /** "seven done, 3 of 4 classes labeled" after the last label of a class; cleared by the next move. */
  @state() private doneNote: string | null = null;
  /** Set when the last unlabeled class got its last label: the view shows its all-done state. */
  @state() private finishedAll = false;
  /** A class switched to before its cards arrived: focus its first unlabeled card once they do. */
  private focusOnArrival: string | null = null;
  /** The class shown when the app named none: kept, so the host marking it labeled does not swap it under the focus. */
  private pinned: string | null = null;
  /** The class shown, and whether it still needed labels when it was shown (its completion then moves on). */
  private shown: { cls: string | null; open: boolean } = { cls: null, open: false };

  // Keys are taken at window level while this view is shown (the app renders only the active tab),
  // so labeling works right after clicking the tab, without first clicking into the view.
  override connectedCallback(): void {
    super.connectedCallback();
    this.tabIndex = 0;
    window.addEventListener('keydown', this.onKey);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    window.removeEventListener('keydown', this.onKey);
  }

  private current(): string | null {
    const order = this.panel?.labelingOrder ?? [];
    if (this.labelingClass && order.includes(this.labelingClass)) return this.labelingClass;
    // Without a pin, the first unlabeled class would change the moment the host reports this one labeled, leaving
    // the focus index of the old class on the new one (seen under load: "#3" of the next class, no done line).
    if (!this.pinned || !order.includes(this.pinned)) this.pinned = nextClass(order, null, labeledClasses(this.panel));
    return this.pinned;
  }

  private shownCards(cls: string): FeatureCard[] | undefined {
    return this.cards.get(cls)?.map((c) => {
      const o = this.optimistic.get(`${cls}\u0000${c.feature}`);
      return o ? { ...c, ...o } : c;
    });
  }

  protected override willUpdate(changed: PropertyValues): void {
    if (changed.has('cards') && this.cards !== this.lastCards) {
      // Fresh cards from the host supersede optimistic labels of their class, once they answer the last label sent:
      // the answer to an earlier key would otherwise undo the labels typed after it, and the class-done step with them.
      for (const cls of this.cards.keys()) {
        if (this.lastCards?.get(cls) === this.cards.get(cls)) continue;
        const left = Math.max(0, (this.unanswered.get(cls) ?? 0) - 1);
        this.unanswered.set(cls, left);
        if (left > 0) continue;
        for (const k of [...this.optimistic.keys()]) if (k.startsWith(`${cls}\u0000`)) this.optimistic.delete(k);
      }
      // cards the host took back (new suggestions) are asked for again
      for (const cls of [...this.requested]) if (this.lastCards?.has(cls) && !this.cards.has(cls)) this.requested.delete(cls);
      this.lastCards = this.cards;
    }
    const cls = this.current();
    const labeled = labeledClasses(this.panel);
    if (cls !== this.shown.cls) this.shown = { cls, open: cls !== null && !labeled.has(cls) };
    else if (cls && this.shown.open && labeled.has(cls) && !this.finishedAll) {
      // The host reports the class labeled though the optimistic cards did not see its last label (a late answer to
      // an earlier key replaced them): the same step as a last key, so the focus still lands on #1 of the next class.
      this.shown = { cls, open: false };
      this.classCompleted(cls, this.focusIndex);
    }
    if (cls && this.focusOnArrival === cls && this.cards.has(cls)) {
      this.focusOnArrival = null;
      const i = firstUnlabeled(this.shownCards(cls) ?? []);
      if (i !== this.focusIndex) this.focusCard(i);
    }
    if (cls && !this.cards.has(cls) && !this.requested.has(cls)) {
      this.requested.add(cls);
      post({ type: 'requestFeatureCards', class: cls });
    }
  }

  protected override updated(): void {
    const el = this.renderRoot.querySelector<HTMLElement>(`.card[data-i="${this.focusIndex}"]`);
    if (el && this.matches(':focus-within') && !el.matches(':focus-within')) el.focus({ preventScroll: false });
  }

  private onKey = (e: KeyboardEvent): void => {
    if (e.defaultPrevented || keyBelongsToControl(e)) return;
    const action = keyToAction(e.key, { ctrl: e.ctrlKey, meta: e.metaKey, alt: e.altKey });
    const cls = this.current();
    if (!action || !cls) return;
    const cards = this.shownCards(cls) ?? [];
    if (action.kind === 'accept') {
      // Enter on a button presses the button; and only a card with a suggestion no person overrode takes it
      const onButton = (e.composedPath() as Element[]).some((el) => el.tagName === 'VSCODE-BUTTON' || el.tagName === 'BUTTON');
      const card = cards[this.focusIndex];
      if (onButton || !card || !canAccept(card)) return;
      e.preventDefault();
      this.setLabel(cls, cards, this.focusIndex, card.suggestion!.label, card.suggestion!.subtype, true);
      return;
    }
    e.preventDefault();
    if (action.kind === 'label') this.setLabel(cls, cards, this.focusIndex, action.label, action.subtype ?? null);
    else if (action.kind === 'move') this.focusCard(Math.max(0, Math.min(cards.length - 1, this.focusIndex + action.delta)));
    else this.gotoClass(action.delta);
  };

  private focusCard(i: number): void {
    emitUi(this, { labelingFocus: i });
  }

  private gotoClass(delta: 1 | -1): void {
    const next = nextClass(this.panel?.labelingOrder ?? [], this.current(), labeledClasses(this.panel), delta);
    this.doneNote = null;
    if (next) this.enterClass(next);
  }

  /** Shows a class with the focus on its first unlabeled card (#1 of a fresh class), now or when its cards arrive. */
  private enterClass(cls: string): void {
    const cards = this.shownCards(cls);
    this.focusOnArrival = cards ? null : cls;
    emitUi(this, { labelingClass: cls, labelingFocus: cards ? firstUnlabeled(cards) : 0 });
  }

  /** Labels card i; `accepted`: the label is the card's machine suggestion, saved as such (origin recorded). */
  private setLabel(cls: string, cards: FeatureCard[], i: number, label: FeatureLabel | null, subtype: SpuriousSubtype | null, accepted = false): void {
    const card = cards[i];
    if (!card) return;
    this.doneNote = null;
    this.optimistic.set(`${cls}\u0000${card.feature}`, { label, subtype: label === 'spurious' ? subtype : null, machine: accepted });
    this.unanswered.set(cls, (this.unanswered.get(cls) ?? 0) + 1);
    if (accepted) post({ type: 'acceptSuggestions', class: cls, feature: card.feature });
    else post(label === 'spurious' && subtype
      ? { type: 'setLabel', class: cls, feature: card.feature, label, subtype }
      : { type: 'setLabel', class: cls, feature: card.feature, label });
    const updated = cards.map((c, j) => (j === i ? { ...c, label } : c));
    const wasComplete = cards.every((c) => c.label !== null);
    const nowComplete = updated.every((c) => c.label !== null);
    this.requestUpdate();
    if (label === null || wasComplete || !nowComplete) {
      // relabeling inside a finished class, or more to do here: stay in the class
      if (label === null) this.finishedAll = false;
      this.focusCard(focusAfterLabel(updated, i));
      return;
    }
    this.shown = { cls, open: false };
    this.classCompleted(cls, i);
  }

  /** A class got its last label: say so and move to the next class that still needs labels (or the all-done state). */
  private classCompleted(cls: string, i: number): void {
    const order = this.panel?.labelingOrder ?? [];
    const labeled = labeledClasses(this.panel);
    labeled.add(cls);
    const count = order.filter((c) => labeled.has(c)).length;
    this.doneNote = classDoneText(cls, count, order.length);
    const next = classAfterDone(order, cls, labeled);
    if (next) this.enterClass(next);
    else {
      this.finishedAll = true;
      emitUi(this, { labelingClass: cls, labelingFocus: i });
    }
  }

  /**
   * Accepts the confident suggestions of the shown class, or of every class (`all`): the shown cards change at once,
   * the host keeps a person's labels and answers with the changed classes' cards and the state.
   */
  private acceptConfident(cls: string, cards: FeatureCard[], all: boolean): void {
    this.doneNote = null;
    const changes = cards.filter(canAccept);
    for (const c of changes) this.optimistic.set(`${cls}\u0000${c.feature}`, { label: c.suggestion!.label, subtype: c.suggestion!.subtype, machine: true });
    // the host sends this class's cards only when something in it changed
    if (changes.length) this.unanswered.set(cls, (this.unanswered.get(cls) ?? 0) + 1);
    this.requestUpdate();
    post(all ? { type: 'acceptSuggestions' } : { type: 'acceptSuggestions', class: cls });
  }

  private allDone(): boolean {
    const p = this.panel;
    return this.finishedAll || (p !== null && p.progress.totalClasses > 0 && p.progress.labeledClasses === p.progress.totalClasses);
  }

  protected override render() {
    const p = this.panel;
    const cls = this.current();
    const switcher = html`<model-switcher .models=${this.models}></model-switcher>`;
    if (!p || !cls) return html`${switcher}${this.models?.loading ? nothing : html`<div class="empty">No classes to label.</div>`}`;
    const order = p.labelingOrder;
    const cards = this.shownCards(cls);
    return html`${switcher}
      <div class="head">
        <h2>${cls}</h2>
        <span class="muted">class ${order.indexOf(cls) + 1} of ${order.length} in labeling order (largest per-feature gap first)</span>
        <span role="status" aria-live="polite"><strong>${progressText(p.progress.labeledClasses, p.progress.totalClasses)}</strong></span>
        <vscode-button secondary @click=${() => this.gotoClass(-1)}>Previous class (p)</vscode-button>
        <vscode-button @click=${() => this.gotoClass(1)}>Next class (n)</vscode-button>
      </div>
      ${this.allDone() ? html`<div class="done" role="status" aria-live="polite">
          <strong>All ${p.progress.totalClasses} ${p.progress.totalClasses === 1 ? 'class' : 'classes'} labeled.</strong>
          <span>${this.doneNote ? `${this.doneNote}. ` : ''}Rankings and gaps are up to date; labels can still be changed below.</span>
          <vscode-button secondary @click=${() => emitUi(this, { tab: 'overview' })}>See the gaps (Overview)</vscode-button>
          <vscode-button secondary @click=${() => emitUi(this, { tab: 'mitigation' })}>Mitigate</vscode-button>
        </div>`
        : this.doneNote ? html`<div class="done" role="status" aria-live="polite"><strong>${this.doneNote}.</strong>
          <span>Now ${cls}: the focus is on its first unlabeled feature.</span></div>` : nothing}
      <p class="keys muted"><kbd>c</kbd> core · <kbd>s</kbd> spurious · <kbd>b</kbd> background · <kbd>o</kbd> separate object ·
        <kbd>x</kbd> clear · <kbd>j</kbd>/<kbd>k</kbd> or arrows: next/previous feature · <kbd>n</kbd> next class${cards?.some((c) => c.suggestion) ? html` · <kbd>Enter</kbd> accept the mask suggestion` : nothing}</p>
      ${this.suggestBar(cls, cards)}
      ${cards ? cards.map((c, i) => this.card(cls, cards, c, i)) : html`<p class="muted">Loading features…</p>`}`;
  }

  /** Computing suggestions (button, or progress and Cancel while it runs) and accepting them. */
  private suggestBar(cls: string, cards: FeatureCard[] | undefined) {
    const job = this.suggestJob;
    const any = cards?.some((c) => c.suggestion) ?? false;
    if (job) {
      return html`<div class="suggest-run" role="status">
        <span>Suggesting labels from object masks: ${job.message}</span>
        <vscode-progress-bar aria-label="Mask suggestions" .value=${job.fraction ?? undefined} max="1" ?indeterminate=${job.fraction === null}></vscode-progress-bar>
        <vscode-button secondary icon="debug-stop" @click=${() => post({ type: 'cancel', target: 'suggest' })}>Cancel</vscode-button>
      </div>`;
    }
    if (!this.canSuggest && !any) return nothing;
    return html`<div class="head">
      ${this.canSuggest ? html`<vscode-button secondary icon="sparkle" @click=${() => post({ type: 'suggestLabels' })}
        title="Score every class's top features against the object masks (the masks folder or segmenter settings, else <dataset>/masks), in the background">${any ? 'Recompute suggestions' : 'Suggest labels from masks'}</vscode-button>` : nothing}
      ${any && cards ? html`
        <vscode-button secondary @click=${() => this.acceptConfident(cls, cards, false)}>Accept confident suggestions in ${cls}</vscode-button>
        <vscode-button secondary @click=${() => this.acceptConfident(cls, cards, true)}>Accept confident suggestions in all classes</vscode-button>
        <span class="muted">from object masks; labels a person gave are kept</span>` : nothing}
    </div>`;
  }

  private card(cls: string, cards: FeatureCard[], c: FeatureCard, i: number) {
    const focused = i === this.focusIndex;
    const btn = (text: string, key: string, label: FeatureLabel, subtype: SpuriousSubtype | null) => {
      const pressed = c.label === label && (subtype === null ? label === 'core' || c.subtype === null : c.subtype === subtype);
      return html`<vscode-button ?secondary=${!pressed} aria-pressed=${pressed ? 'true' : 'false'}
        @click=${() => { this.focusCard(i); this.setLabel(cls, cards, i, label, subtype); }}>${text} (${key})</vscode-button>`;
    };
    return html`<section class="card ${focused ? 'focused' : ''}" data-i=${i} tabindex=${focused ? 0 : -1}
        aria-label=${`Feature ${c.feature}, rank ${c.rank + 1}, ${labelText(c.label, c.subtype)}`} @focus=${() => { if (!focused) this.focusCard(i); }}>
      <header>
        <strong>#${c.rank + 1} · feature ${c.feature}</strong>
        <span class="muted">importance ${formatNumber(c.importance, 3)}</span>
        <span class="muted">per-feature gap ${c.perFeatureGap === null ? '—' : `${formatPoints(c.perFeatureGap)} pts`}</span>
        <span class="chip ${c.label ?? ''}">${labelText(c.label, c.subtype)}${c.machine ? ' · machine' : ''}</span>
        ${c.suggestion ? html`<span class="suggest" title=${`Machine suggestion from object masks: ${Math.round(c.suggestion.share * 100)}% of this feature's activation lies on the object over its ${c.suggestion.images} top-activating images (spread ±${Math.round((c.suggestion.sd ?? 0) * 100)} points). ${canAccept(c) ? 'Enter accepts it.' : 'A person labeled this feature: kept.'}`}>suggests ${suggestionText(c.suggestion)}</span>` : nothing}
        ${!c.suggestion && c.suggestionNote ? html`<span class="muted suggest-note">${c.suggestionNote}</span>` : nothing}
      </header>
      <div class="imgs">${c.images.map((im) => html`<img src=${im.heatUri} alt=${`Heatmap of feature ${c.feature} on ${im.id}`}
        title=${`${im.id} (activation ${formatNumber(im.activation)}); click to open`} @click=${() => post({ type: 'openImage', id: im.id })}>`)}</div>
      <div class="actions">
        ${btn('Core', 'c', 'core', null)} ${btn('Spurious', 's', 'spurious', null)}
        ${btn('Background', 'b', 'spurious', 'background')} ${btn('Separate object', 'o', 'spurious', 'separate_object')}
      </div>
      <sensitivity-table .cls=${cls} .feature=${c.feature} .result=${this.sensitivity.get(sensitivityKey(cls, c.feature))}
        .job=${this.sensitivityJob}></sensitivity-table>
    </section>`;
  }
}
