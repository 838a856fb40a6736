// What every e2e file does around its own steps: the .vsix, a fresh VS Code profile in a temporary folder with the
// extension installed, code-server and Chromium on the workspace, failure artifacts and cleanup; and the lookups
// into the panel's webview (an element's text, a tab header, the scroll position) that the steps share.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { installCodeServer, installExtension, startCodeServer, writeUserSettings, type CodeServer } from '../../../scripts/e2e/codeServer.mjs';
import { explorerContextMenu, findInFrames, launchBrowser, openWorkspace, runCommand, until } from '../../../scripts/e2e/workbench.mjs';
import { failureSummary, saveFailureArtifacts } from '../../../scripts/e2e/artifacts.mjs';
import { THEMES } from '../panelShots';

/** The repository (the e2e runs from its root). */
export const repo = resolve('.');

/** Runs a repo script or the CLI; fails the test with its output when it fails. */
export function run(cmd: string, args: string[], what: string, timeoutMs = 5 * 60_000): string {
  const r = spawnSync(cmd, args, { cwd: repo, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout.slice(-4000)}`);
  return r.stdout;
}

/** The newest dist-vsix/*.vsix, if any. */
export function newestVsix(): string | undefined {
  const dir = join(repo, 'dist-vsix');
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir).filter((n) => n.endsWith('.vsix')).map((n) => join(dir, n)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
}

/**
 * The .vsix to install: packaged here unless E2E_REUSE_VSIX=1 (scripts/test.mjs packages once before the e2e files
 * and sets it, so they all install the same package and never build dist/ at once).
 */
export function packagedVsix(): string {
  if (process.env.E2E_REUSE_VSIX !== '1') run('npm', ['run', 'package'], 'npm run package', 8 * 60_000);
  const v = newestVsix();
  assert.ok(v, 'no .vsix in dist-vsix/ (npm run package made none, or E2E_REUSE_VSIX=1 without one)');
  return v;
}

/** A fresh profile's settings: no trust prompt, no start page or tips, Dark Modern, caches in the dataset; then `extra`. */
export function lensSettings(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'workbench.colorTheme': THEMES.dark.id,
    'workbench.tips.enabled': false, 'extensions.ignoreRecommendations': true, 'telemetry.telemetryLevel': 'off',
    'spuriosityLens.cacheLocation': 'dataset', ...extra,
  };
}

/** One e2e run's folders (under a temporary folder), its log, and the code-server and browser once open. */
export class LensRun {
  readonly t0 = Date.now();
  readonly work: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** The folder VS Code opens; datasets go below it. */
  readonly workspace: string;
  readonly codeServerLog: string;
  server?: CodeServer;
  browser?: Browser;
  page?: Page;
  private entry?: string;

  constructor(readonly tag: string, prefix: string) {
    this.work = mkdtempSync(join(tmpdir(), prefix));
    this.userDataDir = join(this.work, 'user-data');
    this.extensionsDir = join(this.work, 'extensions');
    this.workspace = join(this.work, 'workspace');
    this.codeServerLog = join(this.work, 'code-server.log');
  }

  /** "[tag  12 s] msg" on stdout: seconds since the run started. */
  readonly log = (msg: string): void => console.log(`[${this.tag} ${((Date.now() - this.t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

  /** Installs code-server (idempotent, cached between runs) and the .vsix into this run's profile; returns the installed extension's folder. */
  install(vsix: string): string {
    this.entry = installCodeServer();
    return installExtension({ entry: this.entry, userDataDir: this.userDataDir, extensionsDir: this.extensionsDir, vsix });
  }

  /** Writes the profile's settings, starts code-server on the workspace and opens it in Chromium; the page. */
  async open(settings: Record<string, unknown>): Promise<Page> {
    assert.ok(this.entry, 'install() before open()');
    writeUserSettings(this.userDataDir, settings);
    this.server = await startCodeServer({ entry: this.entry, userDataDir: this.userDataDir, extensionsDir: this.extensionsDir, workspace: this.workspace, logFile: this.codeServerLog });
    this.browser = await launchBrowser();
    this.page = await openWorkspace(this.browser, this.server.url, this.workspace);
    return this.page;
  }
}

/**
 * Runs `body` on a fresh LensRun. On failure keeps a screenshot, code-server's log and VS Code's logs under
 * .e2e/<tag>-<time>/ and rethrows; always closes the browser, stops code-server and removes the temporary folder.
 */
export async function withLens(tag: string, prefix: string, body: (r: LensRun) => Promise<void>): Promise<void> {
  const r = new LensRun(tag, prefix);
  try {
    await body(r);
  } catch (e) {
    const dir = join(repo, '.e2e', `${tag}-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    const kept = await saveFailureArtifacts(dir, { page: r.page, userDataDir: r.userDataDir, codeServerLog: r.codeServerLog }).catch(() => []);
    console.error(`${tag} e2e failed; kept ${dir}:\n  ${kept.join('\n  ')}`);
    console.error(await failureSummary({ page: r.page, saved: kept }).catch((err: unknown) => `(no failure summary: ${String(err)})`));
    throw e;
  } finally {
    await r.browser?.close().catch(() => {});
    await r.server?.stop().catch(() => {});
    rmSync(r.work, { recursive: true, force: true });
  }
}

/** Text of the first element matching selector in the panel's webview, trimmed. */
export async function panelText(page: Page, selector: string, timeout = 30_000): Promise<string> {
  return ((await (await findInFrames(page, selector, { timeout })).textContent()) ?? '').trim();
}

/** As panelText, with every run of white space one space. */
export async function lensText(page: Page, selector: string, timeout = 30_000): Promise<string> {
  return (await panelText(page, selector, timeout)).replace(/\s+/g, ' ');
}

/** A tab header of the panel (vscode-tabs renames the headers' ids, so find them by title). */
export function tab(page: Page, title: string): Promise<Locator> {
  return findInFrames(page, 'vscode-tab-header', { hasText: new RegExp(`^\\s*${title}\\s*$`) });
}

/** Scrolls the panel back to its top (a measured card or a clicked button scrolled it), so a shot shows the heading. */
export async function scrollPanelToTop(page: Page): Promise<void> {
  await (await findInFrames(page, 'lens-app')).evaluate(() => window.scrollTo(0, 0));
}

/**
 * Rank Dataset from the Explorer's context menu on a workspace folder; waits until the overview's summary reads
 * `labeled` ("8 of 10 classes labeled"), then closes the side bar so the panel has the width.
 */
export async function rankFromExplorer(page: Page, folder: string, labeled: string): Promise<void> {
  await explorerContextMenu(page, folder, 'Spuriosity: Rank Dataset');
  await until(`"${labeled}" in the overview`, async () => (await lensText(page, 'overview-view .summary', 4 * 60_000)).includes(labeled), { timeout: 4 * 60_000 });
  await runCommand(page, 'View: Close Primary Side Bar');
}
