import * as vscode from 'vscode';
import type { HostToWebview, WebviewToHost } from '../../shared/protocol';
import { assertNever, parseWebviewMessage } from '../../shared/protocol';
import { panelHtml } from './html';
import { errorLogLine } from '../errors';
import type { PanelBackend } from './backend';
import { classPage, featureCards, imageDetail } from './views';
import { acceptInPanel } from './suggestions';
import { collisionPairs, reviewQueue } from './review';

/** The one Spuriosity Lens panel: renders the current dataset and routes its (validated) messages to the backend. */
export class LensPanel implements vscode.Disposable {
  static readonly viewType = 'spuriosityLens.panel';
  private static current: LensPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  /** The loadable folders last given to the webview (as strings), to tell a real change from a repeat. */
  private roots: string;
  /**
   * Set while new folders reload the webview (VS Code rewrites its document when its options change): a tab
   * show() asks for meanwhile reaches the old document or none, and the new one comes back on its saved tab.
   */
  private reloading = false;
  private tabAfterReload: Extract<HostToWebview, { type: 'showTab' }> | undefined;

  private constructor(readonly panel: vscode.WebviewPanel, private readonly backend: PanelBackend, private readonly log: vscode.LogOutputChannel) {
    const roots = backend.resourceRoots();
    this.roots = JSON.stringify(roots.map(String));
    panel.webview.options = { enableScripts: true, localResourceRoots: roots };
    panel.webview.html = panelHtml(panel.webview, backend.extensionUri);
    panel.iconPath = vscode.Uri.joinPath(backend.extensionUri, 'media', 'icon.svg');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
    );
  }

  /** Shows the panel (creating it if needed), optionally on a tab. */
  static show(backend: PanelBackend, log: vscode.LogOutputChannel, tab?: Extract<HostToWebview, { type: 'showTab' }>['tab'], cls?: string): LensPanel {
    if (!LensPanel.current) {
      const panel = vscode.window.createWebviewPanel(LensPanel.viewType, 'Spuriosity Lens', vscode.ViewColumn.Active, { retainContextWhenHidden: true });
      LensPanel.current = new LensPanel(panel, backend, log);
    } else {
      LensPanel.current.panel.reveal();
      LensPanel.current.pushState();
    }
    if (tab) {
      const msg: Extract<HostToWebview, { type: 'showTab' }> = { type: 'showTab', tab, class: cls };
      if (LensPanel.current.reloading) LensPanel.current.tabAfterReload = msg; // sent again on the reloaded webview's 'ready'
      void LensPanel.current.post(msg);
    }
    return LensPanel.current;
  }

  /** Re-attaches a panel VS Code restored after a reload (the webview restores its own UI state). */
  static restore(panel: vscode.WebviewPanel, backend: PanelBackend, log: vscode.LogOutputChannel): void {
    LensPanel.current?.dispose();
    LensPanel.current = new LensPanel(panel, backend, log);
  }

  /** The open panel, if any. */
  static get active(): LensPanel | undefined {
    return LensPanel.current;
  }

  /** Sends a message; typed so only protocol messages can be sent. */
  post(msg: HostToWebview): Thenable<boolean> {
    return this.panel.webview.postMessage(msg);
  }

  /** Re-reads the loadable folders (after ranking another dataset, its caches live elsewhere). */
  refreshRoots(): void {
    const roots = this.backend.resourceRoots();
    const key = JSON.stringify(roots.map(String));
    if (key === this.roots) return; // the same folders: no reload
    this.roots = key;
    this.reloading = true;
    this.panel.webview.options = { enableScripts: true, localResourceRoots: roots };
  }

  /** Sends the current snapshot (after any change to labels, heads or jobs). */
  pushState(): void {
    const state = this.backend.state();
    if (!state) return;
    // the tab names the dataset: with several ranked, the title says which one the panel shows
    this.panel.title = `Spuriosity: ${state.dataset.name}`;
    void this.post({ type: 'state', state });
  }

  private async receive(raw: unknown): Promise<void> {
    const parsed = parseWebviewMessage(raw);
    if (!parsed.ok) {
      this.log.warn(`Refused a webview message: ${parsed.error}`);
      return;
    }
    try {
      await this.handle(parsed.msg);
    } catch (e) {
      const message = e instanceof Error ? e.message : String(e);
      if (e instanceof Error && e.name === 'AbortError') {
        this.log.info(`${parsed.msg.type}: cancelled`);
        return;
      }
      this.log.error(errorLogLine(`Handling "${parsed.msg.type}" failed`, e));
      void this.post({ type: 'notify', level: 'error', message });
    }
  }

  private async handle(msg: WebviewToHost): Promise<void> {
    const b = this.backend;
    switch (msg.type) {
      case 'ready':
        this.pushState();
        // a ranking of another dataset asked for its tab while the new folders reloaded the webview
        if (this.tabAfterReload) void this.post(this.tabAfterReload);
        this.reloading = false;
        this.tabAfterReload = undefined;
        b.analyses.replay();
        return;
      case 'requestClassPage': {
        // the gallery's "label error" filter needs the flags before the page is cut
        const flagged = await b.analyses.review.labelErrors();
        const page = await classPage(b, this.panel.webview, msg, flagged);
        if (!page) return;
        await this.post({ type: 'classPage', page: { ...page, items: page.items.map((it) => (flagged.has(it.id) ? { ...it, labelError: true } : it)) } });
        return;
      }
      case 'requestImageDetail': {
        const detail = await imageDetail(b, this.panel.webview, msg.id);
        if (detail) await this.post({ type: 'imageDetail', detail });
        return;
      }
      case 'requestFeatureCards': {
        // the Labeling view may label a compared model: its cards come from that model's analysis
        const cards = await featureCards(b.analyses.labeling.backend(b), this.panel.webview, msg.class);
        await this.post({ type: 'featureCards', class: msg.class, cards });
        return;
      }
      case 'setLabel': {
        const lb = b.analyses.labeling.backend(b);
        await lb.setLabel(msg.class, msg.feature, msg.label, msg.subtype);
        this.pushState();
        await this.post({ type: 'featureCards', class: msg.class, cards: await featureCards(lb, this.panel.webview, msg.class) });
        return;
      }
      case 'runMitigation':
        await b.runMitigation(msg.method);
        return;
      case 'cancel':
        b.cancel(msg.target);
        return;
      case 'export':
        await b.exportHead(msg.kind);
        return;
      case 'openImage': {
        const entry = b.entry(msg.id);
        if (!entry) return;
        await vscode.commands.executeCommand('vscode.open', vscode.Uri.file(entry.path), { preview: true, viewColumn: vscode.ViewColumn.Beside });
        return;
      }
      case 'requestCollisions':
        await this.post({ type: 'collisions', pairs: await collisionPairs(b) });
        return;
      case 'requestReviewQueue':
        await this.post({ type: 'reviewQueue', items: await reviewQueue(b, this.panel.webview) });
        return;
      case 'showTab':
        return; // the webview keeps its own tab state; nothing to do on the host
      case 'requestImageCrop':
        if (b.entry(msg.id)) b.analyses.imageCrop(msg.id);
        return;
      case 'runCropRecheck':
        await b.analyses.recheck(msg.class);
        return;
      case 'exportCrops':
        await b.analyses.exportCrops(msg.class);
        return;
      case 'requestSensitivity':
        await b.analyses.sensitivityOf(msg.class, msg.feature);
        return;
      case 'runComparison':
        await b.analyses.compare();
        return;
      case 'selectLabelingModel':
        await b.analyses.labelModel(msg.model);
        return;
      case 'markImage': {
        if (!b.entry(msg.id)) return;
        if (await b.analyses.review.mark(msg.id, msg.mark, msg.on)) {
          b.analyses.exclusionsChanged();
          this.pushState(); // rankings and gaps changed
        }
        await this.post({ type: 'reviewQueue', items: await reviewQueue(b, this.panel.webview) });
        return;
      }
      case 'suggestLabels':
        await b.analyses.suggest();
        return;
      case 'acceptSuggestions': {
        const lb = b.analyses.labeling.backend(b);
        const r = await acceptInPanel(lb, msg);
        this.pushState();
        // every class whose labels changed gets fresh cards: the view keeps the cards of classes it showed before
        const refresh = new Set([...(msg.class !== undefined ? [msg.class] : []), ...r.changed]);
        for (const cls of refresh) await this.post({ type: 'featureCards', class: cls, cards: await featureCards(lb, this.panel.webview, cls) });
        const where = msg.class ?? 'all classes';
        await this.post({ type: 'notify', level: r.note ? 'warning' : 'info', message: r.note ?? (`Accepted ${r.accepted} suggestion(s) in ${where} as machine-made labels` + (r.kept ? `; kept ${r.kept} label(s) a person gave` : '')) });
        return;
      }
      default:
        assertNever(msg, 'webview message');
    }
  }

  /** Closes the panel and forgets it. */
  dispose(): void {
    if (LensPanel.current === this) LensPanel.current = undefined;
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
