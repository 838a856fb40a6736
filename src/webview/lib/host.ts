// The webview's only channel to the extension host. acquireVsCodeApi may be called once per
// page, so it is wrapped here; outside VS Code (unit tests, a plain browser) a no-op stands in.
import type { HostToWebview, WebviewToHost } from '../../shared/protocol';
import { restoreSensitivity, type SavedSensitivity } from './sensitivity-store';
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

/** The saved blob: the UI state's fields, plus `sensitivity` (measured results, see sensitivity-store). */
function saved(): Record<string, unknown> {
  const s = vscode().getState();
  return typeof s === 'object' && s !== null ? (s as Record<string, unknown>) : {};
}

/** Persists the UI state (small: never the data, which the host resends on ready, except measured sensitivities). */
export function saveUiState(s: UiState): void {
  const { sensitivity } = saved();
  vscode().setState(sensitivity === undefined ? s : { ...s, sensitivity });
}

/** The sensitivities saved before the last reload, or null. */
export function loadSensitivity(): SavedSensitivity | null {
  return restoreSensitivity(saved().sensitivity);
}

/** Persists measured sensitivities beside the UI state (a few hundred bytes per feature). */
export function saveSensitivity(v: SavedSensitivity | null): void {
  const { sensitivity: _old, ...rest } = saved();
  vscode().setState(v ? { ...rest, sensitivity: v } : rest);
}
