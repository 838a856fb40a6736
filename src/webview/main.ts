// Webview entry (bundled to dist/webview.js): registers the @vscode-elements pieces the panel uses
// (deep imports keep the bundle to those) and mounts the app.
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-radio/index.js';
import '@vscode-elements/elements/dist/vscode-radio-group/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-tab-header/index.js';
import '@vscode-elements/elements/dist/vscode-tab-panel/index.js';
import '@vscode-elements/elements/dist/vscode-tabs/index.js';
import '@vscode-elements/elements/dist/vscode-table/index.js';
import '@vscode-elements/elements/dist/vscode-table-body/index.js';
import '@vscode-elements/elements/dist/vscode-table-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-header/index.js';
import '@vscode-elements/elements/dist/vscode-table-header-cell/index.js';
import '@vscode-elements/elements/dist/vscode-table-row/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import { SpuriosityApp } from './spuriosity-app/spuriosity-app';

// The host page may name the root <lens-app>; both names mount the same app.
if (!customElements.get('lens-app')) customElements.define('lens-app', class LensApp extends SpuriosityApp {});

/** Mounts the app into the page body unless the host page already placed it. */
function mount(): void {
  if (!document.querySelector('spuriosity-app, lens-app')) document.body.appendChild(document.createElement('spuriosity-app'));
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', mount);
else mount();
