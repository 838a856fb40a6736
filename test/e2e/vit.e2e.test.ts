// The demo ranked with its transformer variant (models/demo/spurious-mnist-vit.onnx, a class-token ViT) in a real
// VS Code (code-server in Debian's Chromium): the labeling view shows token-map heatmaps on every feature card's
// images and the class gallery its heatmap overlay, photographed as docs/screenshots/vscode-{labeling,class-overlay}-vit-dark.png.
// Reuses the .vsix another e2e file packaged in this run (newest in dist-vsix/ when E2E_REUSE_VSIX=1), else packages one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import { installCodeServer, installExtension, startCodeServer, writeUserSettings, type CodeServer } from '../../scripts/e2e/codeServer.mjs';
import { explorerContextMenu, findInFrames, launchBrowser, openWorkspace, runCommand, until } from '../../scripts/e2e/workbench.mjs';
import { saveFailureArtifacts } from '../../scripts/e2e/artifacts.mjs';
import { SHOTS, THEMES } from './panelShots';

const repo = resolve('.');
const DATASET = 'spurious-mnist';

function run(cmd: string, args: string[], what: string, timeoutMs = 5 * 60_000): string {
  const r = spawnSync(cmd, args, { cwd: repo, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout.slice(-4000)}`);
  return r.stdout;
}

function vsix(): string {
  const dir = join(repo, 'dist-vsix');
  const newest = () => (existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.vsix')).map((n) => join(dir, n)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0] : undefined);
  if (process.env.E2E_REUSE_VSIX !== '1') run('npm', ['run', 'package'], 'npm run package', 8 * 60_000);
  const v = newest();
  assert.ok(v, 'dist-vsix/ has no .vsix');
  return v;
}

const lensText = async (page: Page, selector: string, timeout = 30_000): Promise<string> =>
  ((await (await findInFrames(page, selector, { timeout })).textContent()) ?? '').replace(/\s+/g, ' ').trim();

const tab = (page: Page, title: string) => findInFrames(page, 'vscode-tab-header', { hasText: new RegExp(`^\\s*${title}\\s*$`) });

async function shot(page: Page, name: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(2, 2);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForTimeout(800);
  const path = join(SHOTS, `vscode-${name}-vit-dark.png`);
  await page.screenshot({ path });
  return path;
}

test('the demo ranked with the ViT variant: token-map heatmaps in the labeling view and the gallery', { timeout: 12 * 60_000 }, async () => {
  const t0 = Date.now();
  const log = (msg: string) => console.log(`[vit ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);
  const work = mkdtempSync(join(tmpdir(), 'spuriosity-vit-'));
  const userDataDir = join(work, 'user-data');
  const extensionsDir = join(work, 'extensions');
  const workspace = join(work, 'workspace');
  const codeServerLog = join(work, 'code-server.log');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  try {
    const entry = installCodeServer();
    const extDir = installExtension({ entry, userDataDir, extensionsDir, vsix: vsix() });
    const model = join(extDir, 'models', 'demo', 'spurious-mnist-vit.onnx');
    assert.ok(existsSync(model), `the installed extension has no ViT demo model at ${model}`);
    const dataset = await generateDemoDataset({ out: join(workspace, DATASET) });
    writeUserSettings(userDataDir, {
      'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'workbench.colorTheme': THEMES.dark.id,
      'workbench.tips.enabled': false, 'extensions.ignoreRecommendations': true, 'telemetry.telemetryLevel': 'off',
      'spuriosityLens.modelPath': model, 'spuriosityLens.cacheLocation': 'dataset',
    });
    // labels from the probe images (the CLI extracts into the dataset's cache, which the panel then reads)
    const probes = run(process.execPath, ['dist/cli.js', 'annotations', 'from-probes', dataset, '--model', model], 'spuriosity annotations from-probes');
    log(`CLI: ${probes.trim()}`);

    server = await startCodeServer({ entry, userDataDir, extensionsDir, workspace, logFile: codeServerLog });
    browser = await launchBrowser();
    page = await openWorkspace(browser, server.url, workspace);
    const p = page;
    await explorerContextMenu(p, DATASET, 'Spuriosity: Rank Dataset');
    await until('10 of 10 classes labeled', async () => (await lensText(p, 'overview-view .summary', 4 * 60_000)).includes('10 of 10 classes labeled'), { timeout: 4 * 60_000 });
    await runCommand(p, 'View: Close Primary Side Bar');
    log('ranked with the ViT: 10 of 10 classes labeled');

    await (await tab(p, 'Labeling')).click();
    const card = await findInFrames(p, 'labeling-view section.card[data-i="0"]', { timeout: 60_000 });
    // every image of the first card is a rendered heatmap (a token map over the 64 px crop)
    await until('the first card\'s token heatmaps loaded', async () => {
      const sizes = await card.locator('.imgs img').evaluateAll((imgs) => (imgs as HTMLImageElement[]).map((i) => (i.complete ? i.naturalWidth : 0)));
      return sizes.length > 0 && sizes.every((w) => w === 64) ? sizes : null;
    }, { timeout: 120_000 });
    const alt = (await card.locator('.imgs img').first().getAttribute('alt')) ?? '';
    assert.match(alt, /^Heatmap of feature \d+ on /);
    log(`labeling: ${await lensText(p, 'labeling-view .head h2')}, first card "${(await card.locator('header').innerText()).replace(/\s+/g, ' ')}"`);
    log(`screenshot ${await shot(p, 'labeling')}`);

    await (await tab(p, 'Overview')).click();
    await (await findInFrames(p, 'overview-view vscode-table-row', { hasText: '0-zero' })).click({ force: true, position: { x: 30, y: 10 } });
    await (await findInFrames(p, 'class-view vscode-checkbox[label="Heatmap overlay"]')).click();
    await until('heatmap overlays loaded in the gallery', async () => {
      const heat = await findInFrames(p, 'class-view .tile img.heat', { timeout: 60_000 });
      return heat.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
    }, { timeout: 90_000 });
    log(`screenshot ${await shot(p, 'class-overlay')}`);
  } catch (e) {
    const kept = await saveFailureArtifacts(join(repo, '.e2e', 'vit'), { page, userDataDir, codeServerLog }).catch(() => []);
    console.error(`vit e2e failed; artifacts: ${kept.join(', ')}`);
    throw e;
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
  }
});
