// The webview's only channel to the extension host. acquireVsCodeApi may be called once per
// page, so it is wrapped here; outside VS Code (unit tests, a plain browser) a no-op stands in.
import type { HostToWebview, WebviewToHost } from '../../shared/protocol';
import { restoreUiState, type UiState } from './ui-state';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare const acquireVsCodeApi: (() => VsCodeApi) | undefined;

let api: VsCodeApi | null = null;
function vscode(): VsCodeApi {
  if (!api) {
    let saved: unknown;
    api = typeof acquireVsCodeApi === 'function'
      ? acquireVsCodeApi()
      : { postMessage: () => undefined, getState: () => saved, setState: (s) => { saved = s; } };
  }
  return api;
}

/** Sends a typed message to the host. */
export function post(msg: WebviewToHost): void {
  vscode().postMessage(msg);
}

/** Subscribes to host messages (anything without a string `type` is ignored); returns the unsubscribe function. */
export function onHostMessage(fn: (msg: HostToWebview) => void): () => void {
  const listener = (e: MessageEvent): void => {
    const d: unknown = e.data;
    if (typeof d === 'object' && d !== null && typeof (d as { type?: unknown }).type === 'string') fn(d as HostToWebview);
  };
  window.addEventListener('message', listener);
  return () => window.removeEventListener('message', listener);
}

/** The UI state saved before the last reload, or defaults. */
export function loadUiState(): UiState {
  return restoreUiState(vscode().getState());
}

/** Persists the UI state (small: never the data, which the host resends on ready). */
export function saveUiState(s: UiState): void {
  vscode().setState(s);
}
