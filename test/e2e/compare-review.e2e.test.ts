// Comparing with a model that has no labels yet, and the review queue's marks, in a real VS Code (code-server in
// Debian's Chromium): the Compare picker and the Models tab say up front which model has no spurious labels, its Label
// button switches the Labeling view to that model, one key labels its first feature (into that model's own
// annotations.<sha8>.json) and the Models tab takes it into the statistics; in the review queue an image is marked a
// label error and another excluded (review.json beside the annotations; the CLI's --exclude-reviewed drops it from
// its class's ranking), then the exclusion is undone. Screenshots: Models tab at two panel widths, the Labeling view on
// the other model, the review queue.
// Run with `npm run test:e2e` (packages the .vsix once); E2E_REUSE_VSIX=1 uses the newest dist-vsix/*.vsix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import { installCodeServer, installExtension, startCodeServer, writeUserSettings, type CodeServer } from '../../scripts/e2e/codeServer.mjs';
import {
  clearNotifications, explorerContextMenu, findInFrames, frameWith, launchBrowser, openWorkspace, runCommand, until, waitForNotification,
} from '../../scripts/e2e/workbench.mjs';
import { saveFailureArtifacts } from '../../scripts/e2e/artifacts.mjs';
import { SHOTS, THEMES } from './panelShots';

const repo = resolve('.');
const DATASET = 'spurious-mnist';
const VARIANT = 'spurious-mnist-b';

function run(cmd: string, args: string[], what: string, timeoutMs = 5 * 60_000): string {
  const r = spawnSync(cmd, args, { cwd: repo, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout.slice(-4000)}`);
  return r.stdout;
}

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const readJson = <T>(file: string): T | undefined => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as T : undefined);
type Labels = { labels: Record<string, Record<string, { label: string }>> };
type Review = { images: Record<string, { labelError?: boolean; excluded?: boolean }> };
const tab = (page: Page, title: string) => findInFrames(page, 'vscode-tab-header', { hasText: new RegExp(`^\\s*${title}\\s*$`) });
/** As panelShots' shoot, for this file's views: docs/screenshots/vscode-<name>-dark.png. */
async function shoot(page: Page, name: string, theme: 'dark'): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(2, 2);
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForTimeout(800);
  const path = join(SHOTS, `vscode-${name}-${theme}.png`);
  await page.screenshot({ path });
  return path;
}
const text = async (page: Page, selector: string, timeout = 30_000) => ((await (await findInFrames(page, selector, { timeout })).textContent()) ?? '').replace(/\s+/g, ' ').trim();

test('compare with an unlabeled model, label it from the panel, and mark images in the review queue', { timeout: 6 * 60_000 }, async () => {
  const t0 = Date.now();
  const log = (msg: string) => console.log(`[e2e compare-review ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);
  const work = mkdtempSync(join(tmpdir(), 'spuriosity-e2e-cr-'));
  const userDataDir = join(work, 'user-data');
  const extensionsDir = join(work, 'extensions');
  const workspace = join(work, 'workspace');
  const codeServerLog = join(work, 'code-server.log');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  try {
    if (process.env.E2E_REUSE_VSIX !== '1') run('npm', ['run', 'package'], 'npm run package', 8 * 60_000);
    const vsix = readdirSync(join(repo, 'dist-vsix')).filter((n) => n.endsWith('.vsix')).map((n) => join(repo, 'dist-vsix', n))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
    assert.ok(vsix, 'no .vsix in dist-vsix/');
    const entry = installCodeServer();
    const dataset = await generateDemoDataset({ out: join(workspace, DATASET) });
    const extDir = installExtension({ entry, userDataDir, extensionsDir, vsix });
    const model = join(extDir, 'models', 'demo', 'spurious-mnist.onnx');
    const variant = join(extDir, 'models', 'demo', `${VARIANT}.onnx`);
    const variantAnnotations = join(dataset, '.spuriosity', `annotations.${sha256(variant).slice(0, 8)}.json`);
    const reviewFile = join(dataset, '.spuriosity', 'review.json');
    // the ranked model has its features labeled (from the probes, as a user's own labels); the variant has none
    run(process.execPath, ['dist/cli.js', 'annotations', 'from-probes', dataset, '--model', model], 'from-probes');
    assert.equal(existsSync(variantAnnotations), false);
    writeUserSettings(userDataDir, {
      'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'workbench.colorTheme': THEMES.dark.id,
      'workbench.tips.enabled': false, 'extensions.ignoreRecommendations': true, 'telemetry.telemetryLevel': 'off',
      'spuriosityLens.modelPath': model, 'spuriosityLens.cacheLocation': 'dataset',
    });
    server = await startCodeServer({ entry, userDataDir, extensionsDir, workspace, logFile: codeServerLog });
    browser = await launchBrowser();
    page = await openWorkspace(browser, server.url, workspace);
    const p = page;
    log(`workbench open; dataset ${dataset}`);

    await explorerContextMenu(p, DATASET, 'Spuriosity: Rank Dataset');
    await frameWith(p, 'overview-view vscode-table-row', { timeout: 4 * 60_000 });
    await runCommand(p, 'View: Close Primary Side Bar');
    log('ranked');

    // ---- 1. the picker says up front that the variant has no spurious labels ----
    await runCommand(p, 'Spuriosity: Compare Models…');
    const row = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: VARIANT }).first();
    await row.waitFor({ timeout: 30_000 });
    await until('the picker says which models have labels', async () => /no spurious labels for this dataset/.test((await row.textContent()) ?? ''));
    const ranked = p.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'ranking this dataset now' }).first();
    assert.match((await ranked.textContent()) ?? '', /\d+ spurious label\(s\) for this dataset/, 'the ranked model reports its labels');
    await row.click();
    await p.locator('.quick-input-widget .quick-input-box input').press('Enter');
    const warned = await waitForNotification(p, new RegExp(`${VARIANT} has no spurious labels, so no gap`), { timeout: 4 * 60_000 });
    log(`compare done; notification: ${warned}`);

    // ---- 2. the Models tab: a notice with a Label button, the variant's row says "none" ----
    const notice = await text(p, 'compare-view [data-notice="unlabeled"]', 60_000);
    assert.match(notice, new RegExp(`${VARIANT} has no spurious labels`));
    assert.match(await text(p, `compare-view tr[data-model="${VARIANT}"] td.labels`), /^none/);
    await clearNotifications(p);
    await shoot(p, 'compare-unlabeled', 'dark');
    await p.setViewportSize({ width: 1050, height: 900 }); // the panel is then about 1,000 px wide
    await p.waitForTimeout(500);
    const clipped = await (await findInFrames(p, 'compare-view table[aria-label="Models"]')).evaluate((t) => {
      const wrap = t.parentElement!;
      return { table: t.getBoundingClientRect().width, room: wrap.getBoundingClientRect().width };
    });
    assert.ok(clipped.table <= clipped.room + 1, `the Models table fits a 1,000 px panel: ${clipped.table} px in ${clipped.room} px`);
    await shoot(p, 'compare-unlabeled-narrow', 'dark');
    await p.setViewportSize({ width: 1400, height: 900 });
    log(`Models tab at ~1,000 px: table ${clipped.table.toFixed(0)} of ${clipped.room.toFixed(0)} px`);

    // ---- 3. Label -> the Labeling view on the variant; one key labels its first feature spurious ----
    await (await findInFrames(p, 'compare-view [data-notice="unlabeled"] vscode-button', { hasText: `Label ${VARIANT}` })).click();
    await until('the switcher shows the variant, loaded', async () => {
      const t = await text(p, 'labeling-view model-switcher .bar', 60_000);
      return /labels go to annotations\.[0-9a-f]{8}\.json/.test(t) && t.includes(`${VARIANT} has no spurious labels yet`);
    }, { timeout: 120_000 });
    const card = await findInFrames(p, 'labeling-view section.card[data-i="0"]', { timeout: 60_000 });
    await card.locator('.imgs img').first().waitFor({ timeout: 60_000 });
    const cls = await text(p, 'labeling-view .head h2');
    const feature = (/feature (\d+)/.exec(await card.locator('header strong').innerText()) ?? [])[1];
    await card.locator('header').click();
    await p.keyboard.press('s');
    const written = await until(`${variantAnnotations} with ${cls}/${feature}`, () => readJson<Labels>(variantAnnotations)?.labels[cls]?.[feature], { timeout: 30_000 });
    assert.equal(written.label, 'spurious');
    await until('the switcher counts the new label', async () => /1 spurious label\b/.test(await text(p, 'labeling-view model-switcher .bar')), { timeout: 30_000 });
    await shoot(p, 'labeling-model', 'dark');
    log(`labeled ${VARIANT}'s ${cls} feature ${feature} spurious in ${variantAnnotations}`);

    // ---- 4. the Models tab updated: the variant has a label, a gap, and is in the statistics ----
    await (await tab(p, 'Models')).click();
    await until('the Models tab counts the variant\'s label', async () => /^1\b/.test(await text(p, `compare-view tr[data-model="${VARIANT}"] td.labels`)), { timeout: 30_000 });
    const rowClass = await (await findInFrames(p, `compare-view tr[data-model="${VARIANT}"]`)).getAttribute('class');
    assert.notEqual(rowClass, 'out', 'the variant is in the statistics now');
    assert.match(await text(p, `compare-view tr[data-model="${VARIANT}"]`), /[+−]?\d+\.\d pts/, 'the variant has a mean gap');
    assert.equal(await (await frameWith(p, 'compare-view')).locator('compare-view [data-notice="unlabeled"]').count(), 0, 'no model is unlabeled any more');
    log(`Models tab: ${await text(p, `compare-view tr[data-model="${VARIANT}"]`)}`);

    // ---- 5. review queue: exclude one image, flag another as a label error, undo the exclusion ----
    await (await tab(p, 'Collisions & review')).click();
    const items = (await frameWith(p, 'review-view .queue .item', { timeout: 60_000 })).locator('review-view .queue .item');
    const first = items.first();
    const excludedId = (await first.getAttribute('data-id'))!;
    const flaggedId = (await items.nth(1).getAttribute('data-id'))!;
    const excludedClass = excludedId.split('/').slice(-2)[0];
    const gapOf = (flags: string[]) => (JSON.parse(run(process.execPath, ['dist/cli.js', 'gap', dataset, '--json', '--bootstrap', '0', '--model', model, ...flags], 'gap --json')) as
      { classes: Array<{ name: string; valImages: number }>; dataset: { images: { excluded: number } } });
    const before = gapOf([]).classes.find((c) => c.name === excludedClass)?.valImages;
    await first.locator('vscode-button[data-mark="excluded"]').click();
    await until(`${reviewFile} excludes ${excludedId}`, () => readJson<Review>(reviewFile)?.images[excludedId]?.excluded === true, { timeout: 30_000 });
    const markedItem = await findInFrames(p, 'review-view .queue .item', { hasText: 'Include again' });
    assert.equal(await markedItem.getAttribute('data-id'), excludedId, 'the excluded image stays listed, with its undo');
    await (await findInFrames(p, `review-view .queue .item[data-id="${flaggedId}"] vscode-button[data-mark="labelError"]`)).click();
    await until(`${reviewFile} flags ${flaggedId}`, () => readJson<Review>(reviewFile)?.images[flaggedId]?.labelError === true, { timeout: 30_000 });
    await (await findInFrames(p, `review-view .queue .item[data-id="${flaggedId}"] .chip`, { hasText: 'label error' })).waitFor();
    const after = gapOf(['--exclude-reviewed']);
    assert.equal(after.dataset.images.excluded, 1);
    if (before !== undefined) assert.equal(after.classes.find((c) => c.name === excludedClass)?.valImages, before - 1, `${excludedClass} loses the excluded image from its ranking`);
    await shoot(p, 'review', 'dark');
    log(`excluded ${excludedId} (${excludedClass}: ${before} -> ${before === undefined ? '?' : before - 1} validation images ranked), flagged ${flaggedId}`);
    await markedItem.locator('vscode-button[data-mark="excluded"]').click();
    await until(`${reviewFile} no longer excludes ${excludedId}`, () => readJson<Review>(reviewFile)?.images[excludedId]?.excluded !== true, { timeout: 30_000 });
    assert.equal(gapOf(['--exclude-reviewed']).dataset.images.excluded, 0);
    log(`undone; done in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  } catch (e) {
    const dir = join(repo, '.e2e', `compare-review-${new Date().toISOString().replace(/[:.]/g, '-')}`);
    const saved = await saveFailureArtifacts(dir, { page, userDataDir, codeServerLog });
    console.error(`e2e failed; kept ${dir}:\n  ${saved.join('\n  ')}`);
    throw e;
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
