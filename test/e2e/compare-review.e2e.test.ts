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
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import { clearNotifications, explorerContextMenu, findInFrames, frameWith, runCommand, until, waitForNotification } from '../../scripts/e2e/workbench.mjs';
import { shootAs } from './panelShots';
import { lensSettings, lensText as text, packagedVsix, run, tab, withLens } from './lib/lens';

const DATASET = 'spurious-mnist';
const VARIANT = 'spurious-mnist-b';

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const readJson = <T>(file: string): T | undefined => (existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) as T : undefined);
type Labels = { labels: Record<string, Record<string, { label: string }>> };
type Review = { images: Record<string, { labelError?: boolean; excluded?: boolean }> };
/** This file's views: docs/screenshots/vscode-<name>-dark.png. */
const shoot = (page: Page, name: string, theme: 'dark'): Promise<string> => shootAs(page, `vscode-${name}-${theme}.png`);

test('compare with an unlabeled model, label it from the panel, and mark images in the review queue', { timeout: 6 * 60_000 }, async () => {
  await withLens('compare-review', 'spuriosity-e2e-cr-', async (r) => {
    const { log, workspace } = r;
    const vsix = packagedVsix();
    const dataset = await generateDemoDataset({ out: join(workspace, DATASET) });
    const extDir = r.install(vsix);
    const model = join(extDir, 'models', 'demo', 'spurious-mnist.onnx');
    const variant = join(extDir, 'models', 'demo', `${VARIANT}.onnx`);
    const variantAnnotations = join(dataset, '.spuriosity', `annotations.${sha256(variant).slice(0, 8)}.json`);
    const reviewFile = join(dataset, '.spuriosity', 'review.json');
    // the ranked model has its features labeled (from the probes, as a user's own labels); the variant has none
    run(process.execPath, ['dist/cli.js', 'annotations', 'from-probes', dataset, '--model', model], 'from-probes');
    assert.equal(existsSync(variantAnnotations), false);
    const p = await r.open(lensSettings({ 'spuriosityLens.modelPath': model }));
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
    log(`undone; done in ${((Date.now() - r.t0) / 1000).toFixed(0)} s`);
  });
});
