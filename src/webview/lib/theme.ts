// Chart colours come from VS Code's --vscode-* variables, read at draw time, so light, dark and
// high-contrast themes (and a theme switch while the panel is open) are all honoured.

/** Colours and font a chart needs, resolved from the current theme. */
export interface ChartTheme {
  foreground: string;
  /** The panel's background, for halos that keep text readable over chart lines. */
  background: string;
  lines: string;
  red: string;
  blue: string;
  green: string;
  yellow: string;
  orange: string;
  purple: string;
  fontFamily: string;
  fontSize: number;
  /** True in high-contrast themes: charts draw thicker lines and no translucent fills. */
  highContrast: boolean;
}

/** Used where a variable is unset (e.g. a plain browser). */
export const FALLBACK_THEME: ChartTheme = {
  foreground: '#616161', background: '#ffffff', lines: 'rgba(128, 128, 128, 0.5)', red: '#e51400', blue: '#1a85ff', green: '#388a34',
  yellow: '#bf8803', orange: '#d18616', purple: '#652d90', fontFamily: 'sans-serif', fontSize: 12, highContrast: false,
};

/** Reads the theme from a variable lookup (getComputedStyle in the page, a map in tests). */
export function readTheme(get: (name: string) => string, bodyClasses: readonly string[] = []): ChartTheme {
  const v = (name: string, fallback: string): string => get(name).trim() || fallback;
  const size = parseFloat(get('--vscode-font-size'));
  return {
    foreground: v('--vscode-charts-foreground', v('--vscode-foreground', FALLBACK_THEME.foreground)),
    background: v('--vscode-editor-background', FALLBACK_THEME.background),
    lines: v('--vscode-charts-lines', FALLBACK_THEME.lines),
    red: v('--vscode-charts-red', FALLBACK_THEME.red),
    blue: v('--vscode-charts-blue', FALLBACK_THEME.blue),
    green: v('--vscode-charts-green', FALLBACK_THEME.green),
    yellow: v('--vscode-charts-yellow', FALLBACK_THEME.yellow),
    orange: v('--vscode-charts-orange', FALLBACK_THEME.orange),
    purple: v('--vscode-charts-purple', FALLBACK_THEME.purple),
    fontFamily: v('--vscode-font-family', FALLBACK_THEME.fontFamily),
    fontSize: Number.isFinite(size) && size > 0 ? size : FALLBACK_THEME.fontSize,
    highContrast: bodyClasses.includes('vscode-high-contrast') || bodyClasses.includes('vscode-high-contrast-light'),
  };
}

/** The current page's theme. */
export function currentTheme(): ChartTheme {
  const style = getComputedStyle(document.documentElement);
  return readTheme((n) => style.getPropertyValue(n), [...document.body.classList]);
}

/** Calls fn whenever VS Code switches theme (it rewrites the body class and the html style); returns a disposer. */
export function onThemeChange(fn: () => void): () => void {
  const obs = new MutationObserver(() => fn());
  obs.observe(document.body, { attributes: true, attributeFilter: ['class', 'data-vscode-theme-kind'] });
  obs.observe(document.documentElement, { attributes: true, attributeFilter: ['style', 'class'] });
  return () => obs.disconnect();
}
