// Custom events the views raise for the app element, which owns UI state and routing.
import type { UiState } from './ui-state';

/** Detail of the `ui-change` event: the fields of UiState to change. */
export type UiPatch = Partial<UiState>;

/** Dispatches a bubbling, composed `ui-change` event so it crosses shadow roots up to the app. */
export function emitUi(from: EventTarget, patch: UiPatch): void {
  from.dispatchEvent(new CustomEvent<UiPatch>('ui-change', { detail: patch, bubbles: true, composed: true }));
}
