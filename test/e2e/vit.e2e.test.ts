// The demo ranked with its transformer variant (models/demo/spurious-mnist-vit.onnx, a class-token ViT) in a real
// VS Code (code-server in Debian's Chromium): the labeling view shows token-map heatmaps on every feature card's
// images and the class gallery its heatmap overlay, photographed as docs/screenshots/vscode-{labeling,class-overlay}-vit-dark.png.
// Reuses the .vsix another e2e file packaged in this run (newest in dist-vsix/ when E2E_REUSE_VSIX=1), else packages one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import { findInFrames, until } from '../../scripts/e2e/workbench.mjs';
import { shootAs } from './panelShots';
import { lensSettings, lensText, packagedVsix, rankFromExplorer, run, tab, withLens } from './lib/lens';

const DATASET = 'spurious-mnist';

const shot = (page: Page, name: string): Promise<string> => shootAs(page, `vscode-${name}-vit-dark.png`);

test('the demo ranked with the ViT variant: token-map heatmaps in the labeling view and the gallery', { timeout: 12 * 60_000 }, async () => {
  await withLens('vit', 'spuriosity-vit-', async (r) => {
    const { log, workspace } = r;
    const extDir = r.install(packagedVsix());
    const model = join(extDir, 'models', 'demo', 'spurious-mnist-vit.onnx');
    assert.ok(existsSync(model), `the installed extension has no ViT demo model at ${model}`);
    const dataset = await generateDemoDataset({ out: join(workspace, DATASET) });
    // labels from the probe images (the CLI extracts into the dataset's cache, which the panel then reads)
    const probes = run(process.execPath, ['dist/cli.js', 'annotations', 'from-probes', dataset, '--model', model], 'spuriosity annotations from-probes');
    log(`CLI: ${probes.trim()}`);

    const p = await r.open(lensSettings({ 'spuriosityLens.modelPath': model }));
    await rankFromExplorer(p, DATASET, '10 of 10 classes labeled');
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
  });
});
