// Styles every view shares; only --vscode-* variables, so every theme (including high contrast) applies.
import { css } from 'lit';

/** Base typography, focus ring, chips and toolbar layout. */
export const sharedStyles = css`
  :host { color: var(--vscode-foreground); font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); }
  :focus-visible { outline: 1px solid var(--vscode-focusBorder); outline-offset: 1px; }
  h2 { font-size: 1.15em; font-weight: 600; margin: 0.6em 0 0.4em; }
  h3 { font-size: 1em; font-weight: 600; margin: 0.5em 0 0.3em; }
  .toolbar { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; margin: 6px 0 10px; }
  .muted { color: var(--vscode-descriptionForeground); }
  .neg { color: var(--vscode-charts-blue, var(--vscode-foreground)); }
  .warn { color: var(--vscode-editorWarning-foreground); }
  .chip {
    display: inline-block; padding: 0 6px; border-radius: 9px; font-size: 0.85em; line-height: 18px;
    border: 1px solid var(--vscode-contrastBorder, transparent);
    background: var(--vscode-badge-background); color: var(--vscode-badge-foreground);
  }
  .chip.core { background: var(--vscode-charts-green); color: var(--vscode-editor-background); }
  /* a gap whose interval includes 0: outlined, not filled, so it does not read as a finding */
  .chip.open { background: transparent; color: var(--vscode-descriptionForeground); border-color: var(--vscode-descriptionForeground); }
  .chip.spurious { background: var(--vscode-charts-orange); color: var(--vscode-editor-background); }
  button.link {
    background: none; border: none; padding: 0; font: inherit; cursor: pointer; text-align: left;
    color: var(--vscode-textLink-foreground);
  }
  button.link:hover { color: var(--vscode-textLink-activeForeground); text-decoration: underline; }
  .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
  .empty { padding: 24px; color: var(--vscode-descriptionForeground); }
`;
