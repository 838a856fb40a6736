// Builds the harness: dist/webview.js (same esbuild options as scripts/build.mjs, webview only,
// so the harness works while other entry points are mid-edit) and dist/harness/index.html, a
// static page that loads it with a fake acquireVsCodeApi (mock-host.ts, bundled) and a theme's --vscode-* variables.
import * as esbuild from 'esbuild';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { themes } from './themes.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');

/** Bundles the webview and writes the harness page; returns the dist directory. */
export async function buildHarness() {
  const dist = join(root, 'dist');
  await esbuild.build({
    bundle: true, sourcemap: true, minify: false, logLevel: 'warning', legalComments: 'none',
    platform: 'browser', format: 'esm', target: 'es2022',
    entryPoints: { webview: join(root, 'src/webview/main.ts') }, outdir: dist,
  });
  mkdirSync(join(dist, 'media'), { recursive: true });
  for (const f of ['codicon.css', 'codicon.ttf']) cpSync(join(root, 'node_modules/@vscode/codicons/dist', f), join(dist, 'media', f));
  mkdirSync(join(dist, 'harness'), { recursive: true });
  // The mock host is TypeScript typed against the protocol (npm run typecheck checks it); bundled as a classic script.
  await esbuild.build({
    bundle: true, sourcemap: true, minify: false, logLevel: 'warning', legalComments: 'none',
    platform: 'browser', format: 'iife', target: 'es2022',
    entryPoints: [join(here, 'mock-host.ts')], outfile: join(dist, 'harness', 'mock-host.js'),
  });
  writeFileSync(join(dist, 'harness', 'index.html'), `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<!-- The host page's policy (src/extension/panel/html.ts), with 'self' for the webview origin: violations show as console errors. -->
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; font-src 'self'; script-src 'nonce-harness'">
<title>Spuriosity Lens harness</title>
<link rel="stylesheet" href="../media/codicon.css" id="vscode-codicon-stylesheet">
<style>
  /* VS Code's default webview body styles. */
  html { scrollbar-color: var(--vscode-scrollbarSlider-background) var(--vscode-editor-background); }
  body { margin: 0; padding: 0 8px; background-color: var(--vscode-editor-background); color: var(--vscode-foreground);
    font-family: var(--vscode-font-family); font-weight: var(--vscode-font-weight); font-size: var(--vscode-font-size); }
</style>
<script nonce="harness">
  const THEMES = ${JSON.stringify(themes)};
  const name = new URLSearchParams(location.search).get('theme') || 'dark';
  const theme = THEMES[name] || THEMES.dark;
  for (const [k, v] of Object.entries(theme.vars)) document.documentElement.style.setProperty(k, v);
  document.addEventListener('DOMContentLoaded', () => document.body.classList.add(theme.bodyClass));
</script>
<script nonce="harness" src="mock-host.js"></script>
<script type="module" nonce="harness" src="../webview.js"></script>
</head>
<body></body>
</html>
`);
  return dist;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dist = await buildHarness();
  console.log(`harness built: ${join(dist, 'harness', 'index.html')} (serve dist/ over http; module scripts do not load from file://)`);
}
