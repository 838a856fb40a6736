// The panel's own flows in a real VS Code (code-server in Debian's Chromium), kept short: the demo dataset is
// labeled from its probe images by the CLI except two classes; in the panel the user labels those two with single
// keys, crossing a class boundary (the focus must land on #1 of the next class, with "X done, 9 of 10 classes
// labeled"), ends in the all-done state, measures one feature's sensitivity (its label and its largest drop agree),
// reloads the window (the panel comes back on the Labeling tab, the measured sensitivity still shown), opens the class gallery's heatmap overlay (legend,
// one chosen feature, opacity), checks the gallery's hover text, wrong-prediction marks and filter and that the open
// detail follows the arrow keys, and photographs labeling and overlay in Dark Modern and Dark High Contrast:
// docs/screenshots/vscode-{labeling-flow,class-heatmap}-{dark,high-contrast}.png.
// Runs with `npm run test:e2e` (or alone, `node scripts/test.mjs --e2e panel-flows`): scripts/test.mjs packages the
// .vsix once for every e2e file; E2E_REUSE_VSIX=1 skips packaging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import { findInFrames, frameWith, runCommand, setColorTheme, until } from '../../scripts/e2e/workbench.mjs';
import { colormapGradient } from '../../src/shared/colormap';
import { shoot, THEMES } from './panelShots';
import { lensSettings, lensText, packagedVsix, rankFromExplorer, run, scrollPanelToTop, tab, withLens } from './lib/lens';

const DATASET = 'spurious-mnist';

type Labels = Record<string, Record<string, { label: string; subtype?: string }>>;

/** The single key that gives a stored label (the labeling view's keyboard model). */
function keyFor(l: { label: string; subtype?: string }): string {
  if (l.label === 'core') return 'c';
  return l.subtype === 'background' ? 'b' : l.subtype === 'separate_object' ? 'o' : 's';
}

/** "#1 · feature 70" of the focused card, and the class shown. */
async function labelingAt(page: Page): Promise<{ cls: string; focused: string }> {
  return { cls: await lensText(page, 'labeling-view .head h2'), focused: await lensText(page, 'labeling-view section.card.focused header strong') };
}

test('panel flows: keyboard labeling across a class boundary, reload on the same tab, heatmap legend, High Contrast', { timeout: 14 * 60_000 }, async () => {
  await withLens('panel-flows', 'spuriosity-flows-', async (r) => {
    const { log, workspace } = r;
    const vsix = packagedVsix();
    const dataset = await generateDemoDataset({ out: join(workspace, DATASET) });
    const extDir = r.install(vsix);
    const model = join(extDir, 'models', 'demo', 'spurious-mnist.onnx');
    // every class labeled from the probes (the CLI extracts into the dataset's cache, which the panel then reads) ...
    run(process.execPath, ['dist/cli.js', 'annotations', 'from-probes', dataset, '--model', model], 'spuriosity annotations from-probes');
    const dir = join(dataset, '.spuriosity');
    const file = join(dir, readdirSync(dir).find((n) => /^annotations\.[0-9a-f]{8}\.json$/.test(n))!);
    const doc = JSON.parse(readFileSync(file, 'utf8')) as { labels: Labels };
    // ... except two classes with a spurious feature, which the user labels in the panel
    const open = Object.keys(doc.labels).filter((c) => Object.values(doc.labels[c]).some((l) => l.label === 'spurious')).slice(0, 2);
    assert.equal(open.length, 2, `the probes label a feature spurious in two classes at least: ${JSON.stringify(doc.labels).slice(0, 300)}`);
    const truth: Labels = Object.fromEntries(open.map((c) => [c, doc.labels[c]]));
    for (const c of open) delete doc.labels[c];
    writeFileSync(file, JSON.stringify(doc, null, 2));
    log(`vsix ${vsix}; probe labels for 8 classes, ${open.join(' and ')} left to label in the panel`);

    const p = await r.open(lensSettings({ 'spuriosityLens.modelPath': model }));
    await rankFromExplorer(p, DATASET, '8 of 10 classes labeled');
    log('ranked from the cache: 8 of 10 classes labeled');

    // ---- keyboard labeling across a class boundary ----
    await (await tab(p, 'Labeling')).click();
    const first = await findInFrames(p, 'labeling-view section.card[data-i="0"]', { timeout: 60_000 });
    await first.locator('.imgs img').first().waitFor({ timeout: 60_000 });
    const startAt = await labelingAt(p);
    assert.ok(open.includes(startAt.cls), `the view opens on an unlabeled class (${open.join(', ')}), got ${startAt.cls}`);
    assert.match(startAt.focused, /^#1 ·/, 'a fresh class starts on its first feature');
    const other = open.find((c) => c !== startAt.cls)!;
    await first.locator('header').click(); // keyboard focus into the webview, as a user's click
    const typeClass = async (cls: string): Promise<void> => {
      // a user types once the class's features are on screen (keys meanwhile have no card to label)
      await (await findInFrames(p, 'labeling-view section.card[data-i="0"] .imgs img')).waitFor({ timeout: 60_000 });
      // every card (findInFrames gives the first match only)
      const cards = await (await frameWith(p, 'labeling-view section.card')).locator('labeling-view section.card header strong').allTextContents();
      for (const [i, text] of cards.entries()) {
        const feature = /feature (\d+)/.exec(text)?.[1];
        const want = feature ? truth[cls][feature] : undefined;
        assert.ok(want, `${cls} card ${i + 1} (${text}) has a probe label`);
        await until(`card #${i + 1} of ${cls} focused`, async () => (await labelingAt(p)).focused.startsWith(`#${i + 1} ·`), { timeout: 10_000 });
        await p.keyboard.press(keyFor(want));
        await p.waitForTimeout(150); // about a practised user's pace
      }
    };
    await typeClass(startAt.cls);
    // the boundary: the next unlabeled class, focus on its #1 (not #5), and the class-done line
    await until(`the view moved on to ${other}`, async () => (await labelingAt(p)).cls === other, { timeout: 30_000 });
    const crossed = await labelingAt(p);
    assert.match(crossed.focused, /^#1 ·/, `after the last feature of ${startAt.cls} the focus lands on #1 of ${other}, got "${crossed.focused}"`);
    const done = await lensText(p, 'labeling-view .done');
    assert.match(done, new RegExp(`${startAt.cls} done, 9 of 10 classes labeled`), `class-done feedback, got "${done}"`);
    log(`labeled ${startAt.cls} with keys; the focus moved to ${crossed.focused} of ${other}: "${done}"`);
    await typeClass(other);
    const all = await until('the all-done state', async () => { const t = await lensText(p, 'labeling-view .done', 5000); return /All 10 classes labeled/.test(t) ? t : null; }, { timeout: 30_000 });
    assert.equal((await labelingAt(p)).cls, other, 'after the last class the view stays on it instead of wrapping to the first');
    const saved = await until('the typed labels in the annotations file', () => {
      const l = (JSON.parse(readFileSync(file, 'utf8')) as { labels: Labels }).labels;
      return open.every((c) => l[c] && Object.keys(truth[c]).every((f) => l[c][f]?.label === truth[c][f].label)) ? l : null;
    });
    assert.ok(saved);
    log(`all done: "${all.slice(0, 80)}…"; ${file} holds the typed labels`);

    // one feature's sensitivity beside its label: a spurious feature's largest drop is a colour or texture cue, not shape
    const spuriousCls = other;
    const card = await findInFrames(p, 'labeling-view section.card', { hasText: /spurious/ });
    await card.locator('sensitivity-table vscode-button', { hasText: 'Measure sensitivity' }).click();
    const table = card.locator('sensitivity-table table');
    await table.waitFor({ timeout: 4 * 60_000 });
    const head = await card.locator('header').innerText();
    const max = ((await table.locator('td.max').first().getAttribute('title')) ?? '');
    const measured = /feature (\d+)/.exec(head)?.[1];
    assert.match(head, /spurious/);
    assert.doesNotMatch(max, /^Shape/i, `a feature labeled spurious whose largest drop is shape would contradict its label: ${head} / ${max}`);
    log(`sensitivity beside "${head.replace(/\s+/g, ' ')}": largest drop ${max}`);
    await scrollPanelToTop(p);
    await shoot(p, 'labeling-flow', 'dark');

    // ---- reload: the panel comes back on the same tab ----
    await runCommand(p, 'Developer: Reload Window');
    await p.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    const cardAgain = await findInFrames(p, 'labeling-view section.card', { timeout: 3 * 60_000 });
    await cardAgain.waitFor({ timeout: 60_000 });
    const selected = await lensText(p, 'vscode-tab-header[active], vscode-tab-header[aria-selected="true"]');
    assert.equal(selected, 'Labeling', 'after a reload the panel shows the tab it showed before');
    // the reload restarted the extension host (and its session cache): the webview kept the measured sensitivity
    // with the labels it was measured under, and shows it again without measuring
    const measuredCard = await findInFrames(p, 'labeling-view section.card', { hasText: new RegExp(`feature ${measured}\\b`), timeout: 60_000 });
    const maxAgain = (await measuredCard.locator('sensitivity-table table td.max').first().getAttribute('title', { timeout: 30_000 })) ?? '';
    assert.equal(maxAgain, max, `feature ${measured}'s sensitivity after the reload is the one measured before it`);
    log(`reloaded: the panel came back on the Labeling tab, feature ${measured}'s sensitivity still shown`);

    // ---- the class gallery's heatmap overlay: legend, one feature, opacity ----
    await (await tab(p, 'Class')).click();
    await (await findInFrames(p, 'class-view vscode-single-select#cls')).evaluate((el: HTMLSelectElement, c: string) => {
      el.value = c;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, spuriousCls);
    await (await findInFrames(p, 'class-view vscode-checkbox[label="Heatmap overlay"]')).click();
    const legend = await until('the overlay legend names its features', async () => {
      const t = await lensText(p, 'class-view .legend', 60_000);
      return /mean of spurious features? #\d+/.test(t) ? t : null;
    }, { timeout: 2 * 60_000 });
    assert.match(legend, /low.*high/);
    assert.match(legend, /inferno colormap/);
    const bar = (await (await findInFrames(p, 'class-view .legend .bar')).getAttribute('style')) ?? '';
    assert.ok(bar.includes(colormapGradient('inferno')), `the colour bar is the renderer's inferno, got ${bar}`);
    const spuriousFeature = Object.entries(truth[spuriousCls]).find(([, l]) => l.label === 'spurious')![0];
    await (await findInFrames(p, 'class-view vscode-single-select[aria-label="What the heatmap overlay shows"]')).evaluate((el: HTMLSelectElement, v: string) => {
      el.value = v;
      el.dispatchEvent(new Event('change', { bubbles: true }));
    }, `f${spuriousFeature}`);
    await until(`the legend shows feature #${spuriousFeature}`, async () => (await lensText(p, 'class-view .legend')).includes(`feature #${spuriousFeature}`));
    await (await findInFrames(p, 'class-view input[type=range]')).evaluate((el: HTMLInputElement) => {
      el.value = '70';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await until('heat layers drawn at 70% over the crops', async () => {
      const heat = await findInFrames(p, 'class-view .tile img.heat', { timeout: 60_000 });
      return heat.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0 && img.style.opacity === '0.7');
    }, { timeout: 2 * 60_000 });
    log(`overlay: ${legend.slice(0, 140)}; then feature #${spuriousFeature} at 70%`);
    await shoot(p, 'class-heatmap', 'dark');

    // ---- the gallery as a reviewer uses it: hover text, wrong predictions marked and filtered, the detail on arrows ----
    const tileTitle = async (i: number): Promise<string> =>
      (await (await findInFrames(p, `class-view .grid button.tile[data-index="${i}"]`, { timeout: 60_000 })).getAttribute('title')) ?? '';
    const tip = await until('the first tile\'s hover text', async () => { const t = await tileTitle(0); return t.includes('\n') ? t : null; });
    assert.match(tip, new RegExp(`^val/${spuriousCls}/\\S+\\npredicted \\S+ \\(\\d[\\d.]*%\\)[^\\n]*\\nspuriosity [+−]?\\d[\\d.]*\\nrank 1 of \\d+ in validation`), `the tile's hover text names file, prediction with probability, spuriosity and rank: "${tip}"`);
    const tileClasses = async (): Promise<string[]> => (await frameWith(p, 'class-view .grid button.tile')).locator('class-view .grid button.tile').evaluateAll((els) => els.map((e) => e.className));
    await (await findInFrames(p, 'class-view vscode-single-select[aria-label="Correct or wrong predictions"]')).evaluate((el: HTMLSelectElement) => {
      el.value = 'wrong';
      el.dispatchEvent(new Event('change', { bubbles: true }));
    });
    const wrong = await until('only wrong predictions in the gallery', async () => { const c = await tileClasses(); return c.length > 0 && c.every((x) => /\bwrong\b/.test(x)) ? c.length : null; }, { timeout: 60_000 });
    const mark = await lensText(p, 'class-view .grid button.tile[data-index="0"] .flag');
    assert.match(mark, /✗/, `a wrong prediction carries its mark on the image, got "${mark}"`);
    await (await findInFrames(p, 'class-view button.link', { hasText: 'Clear filter' })).click();
    await until('every prediction shown again', async () => (await tileClasses()).some((x) => !/\bwrong\b/.test(x)), { timeout: 60_000 });
    const [id0, id1] = [(await tileTitle(0)).split('\n')[0], (await tileTitle(1)).split('\n')[0]];
    await (await findInFrames(p, 'class-view .grid button.tile[data-index="0"]')).click();
    const shown = async (): Promise<string> => lensText(p, 'image-detail .head h2.name', 60_000);
    await until(`the detail of ${id0}`, async () => (await shown()) === id0.split('/').pop());
    await p.keyboard.press('ArrowRight');
    await until(`the detail follows ArrowRight to ${id1}`, async () => (await shown()) === id1.split('/').pop(), { timeout: 30_000 });
    await p.keyboard.press('ArrowLeft');
    await until(`the detail follows ArrowLeft back to ${id0}`, async () => (await shown()) === id0.split('/').pop(), { timeout: 30_000 });
    await (await findInFrames(p, 'image-detail vscode-button[aria-label^="Close detail"]')).click();
    log(`gallery: hover text "${tip.replace(/\n/g, ' | ')}"; ${wrong} wrong prediction(s) under Wrong only, each marked; the detail followed ArrowRight/ArrowLeft`);

    // ---- Dark High Contrast ----
    await setColorTheme(p, THEMES['high-contrast'].label);
    await until('the webview in the high-contrast theme', async () => (await findInFrames(p, 'lens-app')).evaluate(() => document.body.classList.contains('vscode-high-contrast')).catch(() => false), { timeout: 30_000 });
    await shoot(p, 'class-heatmap', 'high-contrast');
    await (await tab(p, 'Labeling')).click();
    await (await findInFrames(p, 'labeling-view sensitivity-table table')).waitFor({ timeout: 60_000 });
    await scrollPanelToTop(p);
    await shoot(p, 'labeling-flow', 'high-contrast');
    log('High Contrast shots taken');
  });
});
