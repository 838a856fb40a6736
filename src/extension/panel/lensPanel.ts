import * as vscode from 'vscode';
import type { HostToWebview, WebviewToHost } from '../../shared/protocol';
import { assertNever, parseWebviewMessage } from '../../shared/protocol';
import { panelHtml } from './html';
import type { PanelBackend } from './backend';
import { classPage, featureCards, imageDetail } from './views';
import { collisionPairs, reviewQueue } from './review';

/** The one Spuriosity Lens panel: renders the current dataset and routes its (validated) messages to the backend. */
export class LensPanel implements vscode.Disposable {
  static readonly viewType = 'spuriosityLens.panel';
  private static current: LensPanel | undefined;
  private readonly disposables: vscode.Disposable[] = [];

  private constructor(readonly panel: vscode.WebviewPanel, private readonly backend: PanelBackend, private readonly log: vscode.LogOutputChannel) {
    panel.webview.options = { enableScripts: true, localResourceRoots: backend.resourceRoots() };
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
    if (tab) void LensPanel.current.post({ type: 'showTab', tab, class: cls });
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
    this.panel.webview.options = { enableScripts: true, localResourceRoots: this.backend.resourceRoots() };
  }

  /** Sends the current snapshot (after any change to labels, heads or jobs). */
  pushState(): void {
    const state = this.backend.state();
    if (state) void this.post({ type: 'state', state });
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
      this.log.error(`Handling "${parsed.msg.type}" failed: ${message}`);
      void this.post({ type: 'notify', level: 'error', message });
    }
  }

  private async handle(msg: WebviewToHost): Promise<void> {
    const b = this.backend;
    switch (msg.type) {
      case 'ready':
        this.pushState();
        b.analyses.replay();
        return;
      case 'requestClassPage': {
        const page = await classPage(b, this.panel.webview, msg);
        if (page) await this.post({ type: 'classPage', page });
        return;
      }
      case 'requestImageDetail': {
        const detail = await imageDetail(b, this.panel.webview, msg.id);
        if (detail) await this.post({ type: 'imageDetail', detail });
        return;
      }
      case 'requestFeatureCards': {
        const cards = await featureCards(b, this.panel.webview, msg.class);
        await this.post({ type: 'featureCards', class: msg.class, cards });
        return;
      }
      case 'setLabel':
        await b.setLabel(msg.class, msg.feature, msg.label, msg.subtype);
        this.pushState();
        await this.post({ type: 'featureCards', class: msg.class, cards: await featureCards(b, this.panel.webview, msg.class) });
        return;
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
        await this.post({ type: 'collisions', pairs: collisionPairs(b) });
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
