// The extension in a real VS Code (code-server in Debian's Chromium): a user with no model configured ranks the
// demo dataset from the Explorer (and picks the bundled model when asked), looks at an image's core crop, labels a feature and measures its sensitivity, re-checks a class
// on core crops, measures the spurious gap (checked against the CLI on the same cache and annotations),
// fine-tunes the head, compares the demo model with its variants, and the panel is photographed in Dark
// Modern and Light Modern. Then, from the palette: Rank Dataset on a folder that is no dataset (a clear message, no
// stack in the log), on a second dataset cancelled from the status bar and resumed from the message (the resumed
// run reads what was cached), both datasets listed in the Spuriosity view and the panel switched between them, and
// Export Report (an HTML file beside the dataset).
// Run with `npm run test:e2e`; on failure, a screenshot and the logs are kept under .e2e/.
// While iterating: E2E_REUSE_VSIX=1 skips `npm run package` (uses the newest dist-vsix/*.vsix),
// E2E_MODEL=<onnx> ranks with another model than the demo model inside the installed extension.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import {
  clearNotifications, explorerContextMenu, findInFrames, frameWith, pickQuickItem, runCommand, setColorTheme, until, waitForNotification,
} from '../../scripts/e2e/workbench.mjs';
import { SHOTS, shoot, shootAs, THEMES, type ThemeSlug } from './panelShots';
import { lensSettings, packagedVsix, panelText, run, tab, withLens } from './lib/lens';

const DATASET = 'spurious-mnist';
/** A second dataset (the demo's images twice over, so its extraction lasts long enough to cancel) and a folder that is none. */
const SECOND = 'mnist-copy';
const NOT_A_DATASET = 'notes';
const CLASSES = ['0-zero', '1-one', '2-two', '3-three', '4-four', '5-five', '6-six', '7-seven', '8-eight', '9-nine'];

/** "+12.3 pts [..]" or "-4.0" (either minus sign) as a number. */
const num = (s: string) => Number.parseFloat(s.replace(/\u2212/g, '-').replace(/^\+/, ''));

/** The annotation file the extension and the CLI share (its name carries the model's sha256 prefix). */
function annotationFile(dataset: string): string {
  const dir = join(dataset, '.spuriosity');
  const name = existsSync(dir) ? readdirSync(dir).find((n) => /^annotations\.[0-9a-f]{8}\.json$/.test(n)) : undefined;
  assert.ok(name, `no annotations.<sha8>.json in ${dir}`);
  return join(dir, name);
}

/** The second dataset: each train/val image of the demo twice (under a second name), probes left out. */
function makeSecondDataset(from: string, to: string): void {
  for (const split of ['train', 'val']) {
    cpSync(join(from, split), join(to, split), { recursive: true });
    for (const cls of readdirSync(join(to, split))) {
      for (const f of readdirSync(join(to, split, cls))) cpSync(join(to, split, cls, f), join(to, split, cls, f.replace('.png', '_b.png')));
    }
  }
}

/** The lines of the extension's "Spuriosity Lens" output channel (VS Code writes it under the user data's logs). */
function logLines(userDataDir: string): string[] {
  const find = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((d) => {
    const p = join(dir, d.name);
    return d.isDirectory() ? find(p) : d.name.includes('Spuriosity Lens') ? [p] : [];
  });
  const logs = join(userDataDir, 'logs');
  return existsSync(logs) ? find(logs).flatMap((f) => readFileSync(f, 'utf8').split('\n')) : [];
}

/** A screenshot of the whole workbench for the flows outside the panel: docs/screenshots/vscode-<name>.png. */
const shootWorkbench = (page: Page, name: string): Promise<string> => shootAs(page, `vscode-${name}.png`);

type Labels = Record<string, Record<string, { label: string; subtype?: string }>>;
const readLabels = (file: string): Labels => (JSON.parse(readFileSync(file, 'utf8')) as { labels: Labels }).labels;

/** Waits until the labeling progress line ("n of 10 classes labeled") reads want. */
async function labeledIs(page: Page, selector: string, want: string, timeout = 60_000): Promise<void> {
  await until(`"${want}" in ${selector}`, async () => (await panelText(page, selector, 5000)).includes(want), { timeout });
}

test('a user ranks, labels, measures and mitigates the demo dataset in VS Code', { timeout: 15 * 60_000 }, async () => {
  await withLens('e2e', 'spuriosity-e2e-', async (r) => {
    const { log, workspace, userDataDir } = r;
    // ---- setup: the product as a user gets it (a platform .vsix) in a fresh VS Code profile ----
    const vsix = packagedVsix();
    log(`packaged ${vsix} (${(statSync(vsix).size / 1e6).toFixed(1)} MB)`);
    const dataset = await generateDemoDataset({ out: join(workspace, DATASET) });
    const extDir = r.install(vsix);
    log(`code-server and the extension installed; demo dataset in ${dataset}`);
    const model = process.env.E2E_MODEL ? resolve(process.env.E2E_MODEL) : join(extDir, 'models', 'demo', 'spurious-mnist.onnx');
    assert.ok(existsSync(model), `the installed extension has no demo model at ${model}: is models/demo/ committed and packaged?`);
    makeSecondDataset(dataset, join(workspace, SECOND));
    mkdirSync(join(workspace, NOT_A_DATASET, 'drafts'), { recursive: true });
    writeFileSync(join(workspace, NOT_A_DATASET, 'todo.txt'), 'label the backgrounds\n');
    writeFileSync(join(workspace, NOT_A_DATASET, 'drafts', 'plan.md'), '# plan\n');
    // no model configured: the first ranking asks, offering the bundled demo model (E2E_MODEL sets one instead)
    const p = await r.open(lensSettings(process.env.E2E_MODEL ? { 'spuriosityLens.modelPath': model } : {}));
    log(`workbench open at ${r.server?.url}`);

    // ---- 1. rank the dataset from the Explorer's context menu; with no model configured the user is asked ----
    await explorerContextMenu(p, DATASET, 'Spuriosity: Rank Dataset');
    if (!process.env.E2E_MODEL) {
      await pickQuickItem(p, 'Use the bundled demo model');
      // a machine-overridable setting written from a remote window goes to the machine's settings in code-server
      const savedIn = (f: string) => (existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as Record<string, string>)['spuriosityLens.modelPath'] : undefined);
      const saved = await until('the model choice saved in the settings', () => savedIn(join(userDataDir, 'User', 'settings.json')) ?? savedIn(join(userDataDir, 'Machine', 'settings.json')));
      assert.equal(resolve(saved), resolve(model), 'the bundled demo model is saved as spuriosityLens.modelPath');
      log(`first run: no model configured, picked the bundled demo model (${saved})`);
    }
    const overview = await frameWith(p, 'overview-view vscode-table-row', { timeout: 4 * 60_000 });
    const rows = (await overview.locator('overview-view vscode-table-row vscode-table-cell:first-child').allTextContents())
      .map((t) => t.replace(/unlabeled/g, '').trim());
    assert.deepEqual([...rows].sort(), CLASSES, 'the overview table lists the 10 digit classes');
    assert.match(await panelText(p, 'overview-view .summary'), /0 of 10 classes labeled/);
    log('ranked: the overview lists the 10 classes, none labeled');

    // ---- 2. label every top feature headless from the probe images (CLI on the same cache), then re-rank ----
    const probes = run(process.execPath, ['dist/cli.js', 'annotations', 'from-probes', dataset, '--model', model], 'spuriosity annotations from-probes');
    const probeLabels = Object.values(readLabels(annotationFile(dataset))).flatMap((byFeature) => Object.values(byFeature));
    assert.ok(probeLabels.some((l) => l.label === 'spurious'), `the probes label some feature spurious (CLI said: ${probes.trim()})`);
    log(`CLI: ${probes.trim()}`);
    await explorerContextMenu(p, DATASET, 'Spuriosity: Rank Dataset');
    await labeledIs(p, 'overview-view .summary', '10 of 10 classes labeled');
    const ranked = await panelText(p, 'overview-view .summary');
    assert.doesNotMatch(ranked, /Classes with a ranking\s*0 of 10/, 'the probe labels give some class a ranking');
    await findInFrames(p, 'overview-view themed-chart canvas');
    await runCommand(p, 'View: Close Primary Side Bar');

    // ---- 3. a class gallery with the heatmap overlay, and one image's detail ----
    // force: playwright's hit test sees vscode-table's shadow root over its slotted rows; a real click on the
    // class name reaches the row (the row's middle may be a column-resize sash)
    await (await findInFrames(p, 'overview-view vscode-table-row', { hasText: CLASSES[0] })).click({ force: true, position: { x: 30, y: 10 } });
    await (await findInFrames(p, 'class-view vscode-checkbox[label="Heatmap overlay"]')).click();
    await until('heatmap overlays loaded in the gallery', async () => {
      const heat = await findInFrames(p, 'class-view .tile img.heat', { timeout: 60_000 });
      return heat.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
    }, { timeout: 90_000 });
    await shoot(p, 'class-overlay', 'dark');
    await (await findInFrames(p, 'class-view button.tile')).click();
    await until('the image detail heatmaps loaded', async () => {
      const heats = await findInFrames(p, 'image-detail .heats img', { timeout: 60_000 });
      return heats.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0);
    }, { timeout: 90_000 });
    // the core crop box over the original image, with the prediction on the crop (computed in a child process)
    const box = await findInFrames(p, 'image-detail .frame .box', { timeout: 120_000 });
    const boxStyle = (await box.getAttribute('style')) ?? '';
    const pct = [...boxStyle.matchAll(/(left|top|width|height):([\d.]+)%/g)].map((m) => Number(m[2]));
    assert.equal(pct.length, 4, `the crop box is placed in percent of the image, got "${boxStyle}"`);
    assert.ok(pct.every((v) => v >= 0 && v <= 100) && pct[0] + pct[2] <= 100.001 && pct[1] + pct[3] <= 100.001, `the crop box stays inside the image: ${boxStyle}`);
    const cropFacts = await panelText(p, 'image-detail .crop');
    assert.match(cropFacts, /\d-\w+\s*✗?\s*→\s*\d-\w+[\s\S]*\(original → crop\)/, 'the detail shows the original and the cropped prediction');
    assert.match(cropFacts, /\b(reliable|unreliable)\b/);
    log(`detail: crop box ${boxStyle}; ${cropFacts.replace(/\s+/g, ' ')}`);
    await shoot(p, 'detail', 'dark');

    // ---- 4. label a feature in the labeling view: clear it with a key, then label it back with a click, measure its
    // sensitivity and check the two agree (the screenshot must not show a label its own table contradicts) ----
    await (await tab(p, 'Labeling')).click();
    const card = await findInFrames(p, 'labeling-view section.card[data-i="0"]', { timeout: 60_000 });
    await card.locator('.imgs img').first().waitFor({ timeout: 60_000 });
    const cls = await panelText(p, 'labeling-view .head h2');
    const feature = (/feature (\d+)/.exec(await card.locator('header strong').innerText()) ?? [])[1];
    assert.ok(feature, 'the first feature card names its feature');
    const file = annotationFile(dataset);
    const before = readLabels(file)[cls]?.[feature];
    assert.ok(before, `the probe labels cover ${cls} feature ${feature} in ${file}`);
    await card.locator('header').click();
    await p.keyboard.press('x');
    await labeledIs(p, 'labeling-view .head [role="status"]', '9 of 10 classes labeled');
    await until(`${file} without ${cls}/${feature}`, () => readLabels(file)[cls]?.[feature] === undefined);
    // the probe's label (what the probe images show the feature responds to) by a click on its button
    const button = before.label === 'core' ? 'Core (c)' : before.subtype === 'background' ? 'Background (b)' : before.subtype === 'separate_object' ? 'Separate object (o)' : 'Spurious (s)';
    await card.locator('vscode-button', { hasText: button }).click();
    await labeledIs(p, 'labeling-view .head [role="status"]', '10 of 10 classes labeled');
    const after = await until(`${file} with the new label of ${cls}/${feature}`, () => readLabels(file)[cls]?.[feature]);
    assert.deepEqual({ label: after.label, subtype: after.subtype }, { label: before.label, subtype: before.subtype }, 'the click stored the label and subtype of the button');
    log(`labeled ${cls} feature ${feature}: ${before.label} -> cleared (x) -> ${after.label}${after.subtype ? `: ${after.subtype}` : ''} (click); ${file} followed`);
    // sensitivity of that feature, on demand: colour, texture and shape drops in points, of accuracy and of the true
    // class's probability, one cell highlighted
    await card.locator('sensitivity-table vscode-button', { hasText: 'Measure sensitivity' }).click();
    const sens = card.locator('sensitivity-table table');
    await sens.waitFor({ timeout: 4 * 60_000 });
    const cells = (await sens.locator('td').allTextContents()).map((t) => t.replace('(largest)', '').trim());
    assert.equal(cells.length, 6, `accuracy and probability drops for three corruptions, got ${JSON.stringify(cells)}`);
    for (const c of cells) assert.match(c, /^([+−]?\d+\.\d)$/, `a drop in points, got "${c}"`);
    const legend = ((await card.locator('sensitivity-table p.muted').textContent()) ?? '').trim();
    assert.match(legend, /clean acc\. \d+% · \d+ images?/, `the legend gives the clean accuracy, got "${legend}"`);
    // the demo's model reads the digit with its shape branch: a spurious (colour, texture) feature's largest drop is
    // colour or texture, a core one's is shape
    const largest = (await sens.locator('td.max').first().getAttribute('title')) ?? '';
    if (after.label === 'spurious') assert.doesNotMatch(largest, /^Shape/, `${cls} feature ${feature} labeled spurious beside a largest drop "${largest}"`);
    else assert.match(largest, /^Shape/, `${cls} feature ${feature} labeled core beside a largest drop "${largest}"`);
    log(`sensitivity of ${cls} feature ${feature}: accuracy drops ${cells.slice(0, 3).join(' / ')}, probability drops ${cells.slice(3).join(' / ')} (colour / texture / shape); ${legend}; largest: ${largest}`);
    await shoot(p, 'labeling', 'dark');

    // ---- 4b. re-check a class on its core crops (Core crops tab) ----
    await (await tab(p, 'Core crops')).click();
    await (await findInFrames(p, 'crops-view vscode-button', { hasText: 'Re-check on core crops' })).click();
    const counts = await panelText(p, 'crops-view .counts', 4 * 60_000);
    assert.match(counts, /^\d+ of \d+ cropped images? changed prediction \(\d+ fixed, \d+ broken/, `the re-check counts, got "${counts}"`);
    const pairs = await (await findInFrames(p, 'crops-view .grid')).locator('.item').count();
    assert.ok(pairs > 0, 'the re-check shows original and crop side by side');
    log(`core crops: ${counts} (${pairs} pairs shown)`);
    await shoot(p, 'crops', 'dark');

    // ---- 5. measure the gap from the palette; the panel, the notification and the CLI agree ----
    await runCommand(p, 'Spuriosity: Measure Spurious Gap');
    const note = await waitForNotification(p, /Spurious gap: [+−]?[\d.]+ points/);
    // signed with the product's one minus sign (U+2212) and '+', and the mean's verdict by the per-class rule
    const parts = /^Spurious gap: ([+−]?[\d.]+) points \(95% CI ([+−]?[\d.]+) to ([+−]?[\d.]+)\), (significant|not significant \(its interval includes 0\)) over (\d+) class\(es\)/.exec(note);
    assert.ok(parts, `the notification reads "Spurious gap: <mean> points (95% CI <lo> to <hi>), <verdict> over <n> class(es)", got "${note}"`);
    assert.doesNotMatch(note, /-/, `no ASCII hyphen-minus in the numbers: "${note}"`);
    assert.equal(parts[4] === 'significant', num(parts[2]) > 0 || num(parts[3]) < 0, `the verdict follows the interval: "${note}"`);
    const verdictChip = await panelText(p, 'overview-view .summary .mean-verdict');
    assert.equal(verdictChip === 'not significant', parts[4] !== 'significant', `panel chip "${verdictChip}" and notification agree`);
    const noted = num(parts[1]);
    const shown = num(await panelText(p, 'overview-view .summary .big'));
    const withRanking = /Classes with a ranking\s*(\d+) of 10/.exec(await panelText(p, 'overview-view .summary'))?.[1];
    assert.equal(parts[5], withRanking, 'the notification counts the classes the overview shows with a ranking');
    const cli = JSON.parse(run(process.execPath, ['dist/cli.js', 'gap', dataset, '--json', '--model', model], 'spuriosity gap --json')) as { meanGap: { value: number } | null };
    assert.ok(cli.meanGap, 'the CLI measures a mean gap on the same annotations');
    // The panel shows one decimal; the CLI reports two (rounded from the same number).
    assert.ok(Math.abs(shown - cli.meanGap.value) <= 0.05 + 1e-9, `panel mean gap ${shown} vs CLI ${cli.meanGap.value}`);
    assert.equal(noted, shown, `notification (${note}) and panel agree`);
    log(`mean gap: panel ${shown}, notification ${noted}, CLI ${cli.meanGap.value} points`);
    // the command switched the panel to the overview from another tab: the class table keeps its column widths
    const heads = await (await frameWith(p, 'overview-view vscode-table-header-cell')).locator('overview-view vscode-table-header-cell')
      .evaluateAll((cells) => cells.map((c) => c.getBoundingClientRect().width));
    const shares = heads.map((w) => Math.round((100 * w) / heads.reduce((a, b) => a + b, 0)));
    assert.ok([26, 13, 11, 12, 14, 24].every((want, i) => Math.abs(shares[i] - want) <= 1), `overview column widths ${shares.join('/')}%`);
    await clearNotifications(p);
    await shoot(p, 'overview', 'dark');

    // ---- 6. fine-tune the head on low-spuriosity images (command + quick pick) ----
    await runCommand(p, 'Spuriosity: Fine-tune Head on Low-Spuriosity Images');
    await pickQuickItem(p, 'Low-spuriosity images');
    const result = await findInFrames(p, 'mitigation-view li', { hasText: 'Low-spuriosity tuning', timeout: 4 * 60_000 });
    const summary = (await result.innerText()).trim();
    assert.match(summary, /gap [+−]?[\d.]+ → [+−]?[\d.]+ pts, accuracy [\d.]+% → [\d.]+%/);
    await findInFrames(p, 'mitigation-view h3', { hasText: 'Before and after' });
    log(`fine-tuned: ${summary}`);
    await clearNotifications(p);
    await shoot(p, 'mitigation', 'dark');

    // ---- 7. compare the demo model with its variants (each labeled from the probes by the CLI, as a user's own labels) ----
    const variants = ['spurious-mnist-b', 'spurious-mnist-c'];
    for (const v of variants) run(process.execPath, ['dist/cli.js', 'annotations', 'from-probes', dataset, '--model', join(extDir, 'models', 'demo', `${v}.onnx`)], `from-probes ${v}`);
    await runCommand(p, 'Spuriosity: Compare Models…');
    for (const v of variants) await pickQuickItem(p, v);
    await p.locator('.quick-input-widget .quick-input-box input').press('Enter');
    await findInFrames(p, 'compare-view themed-chart canvas', { timeout: 6 * 60_000 });
    const matrixCells = await (await findInFrames(p, 'compare-view table.matrix')).locator('tbody td').count();
    assert.equal(matrixCells, 9, 'a 3 x 3 correlation matrix for the three models');
    const stats = await panelText(p, 'compare-view .stats');
    assert.match(stats, /Gap variance, across classes vs across models\s*[\d.]+×/);
    log(`compare: ${stats.replace(/\s+/g, ' ')}`);
    await clearNotifications(p);
    await shoot(p, 'compare', 'dark');

    // ---- 8. the same views in Light Modern ----
    await setColorTheme(p, THEMES.light.label);
    await lightPass(p);

    // ---- 9. Rank Dataset from the palette on a folder that is no dataset: the message says why and what is valid ----
    await clearNotifications(p);
    await runCommand(p, 'Spuriosity: Rank Dataset');
    await pickQuickItem(p, NOT_A_DATASET);
    const refusal = await waitForNotification(p, /No usable images in/);
    assert.match(refusal, new RegExp(`No usable images in \\S*${NOT_A_DATASET}.*Valid inputs:`), `the refusal names the folder and the valid layouts, got "${refusal}"`);
    assert.doesNotMatch(refusal, /analysis session|worker/, `the refusal is the engine's own words, not the job host's, got "${refusal}"`);
    const userErrorLog = await until('the refusal in the log', () => logLines(userDataDir).find((l) => l.includes('No usable images in')));
    const lines = logLines(userDataDir);
    const next = lines[lines.indexOf(userErrorLog) + 1] ?? '';
    assert.ok(!/^\s+at /.test(next), `a user error is logged without a stack trace, got "${userErrorLog}" then "${next}"`);
    log(`non-dataset folder: "${refusal.slice(0, 120)}…"`);
    await clearNotifications(p);

    // ---- 10. a second dataset from the palette: cancel it from the status bar, resume from the message ----
    await runCommand(p, 'Spuriosity: Rank Dataset');
    await pickQuickItem(p, SECOND);
    const job = p.locator('.part.statusbar .statusbar-item', { hasText: new RegExp(`ranking ${SECOND} [1-9]\\d*%`) }).first();
    await job.waitFor({ timeout: 120_000 });
    await shootWorkbench(p, 'job-status');
    await job.click();
    await pickQuickItem(p, `Cancel: ranking ${SECOND}`);
    const stopped = await waitForNotification(p, /stopped ranking/, { timeout: 60_000 });
    const sm = new RegExp(`stopped ranking ${SECOND}: ([\\d,]+) of ([\\d,]+) images cached; run Rank Dataset again to resume`).exec(stopped);
    assert.ok(sm, `the cancel message says how far it got, got "${stopped}"`);
    const [cached, total] = [Number(sm[1].replace(/,/g, '')), Number(sm[2].replace(/,/g, ''))];
    assert.ok(cached > 0 && cached < total, `cancelled midway: ${cached} of ${total}`);
    log(`cancelled: "${stopped}"`);
    await shootWorkbench(p, 'cancelled');
    await p.locator('.notification-toast .monaco-button', { hasText: 'Resume' }).first().click();
    await until(`the panel shows ${SECOND}`, async () => (await p.locator('.tabs-container .tab', { hasText: `Spuriosity: ${SECOND}` }).count()) > 0, { timeout: 4 * 60_000 });
    await labeledIs(p, 'overview-view .summary', '0 of 10 classes labeled', 4 * 60_000);
    const resumed = await until('the resumed ranking in the log', () => logLines(userDataDir).map((l) => new RegExp(`Ranked ${SECOND}: (\\d+) images computed, (\\d+) from cache`).exec(l)).filter(Boolean).at(-1));
    assert.ok(Number(resumed[2]) >= cached, `the resumed run read the ${cached} cached images from the cache (${resumed[0]})`);
    assert.equal(Number(resumed[1]) + Number(resumed[2]), total, 'cached + computed = every image');
    log(`resumed: ${resumed[0]}`);

    // ---- 11. both datasets in the Spuriosity view; a click switches the panel back to the first ----
    await p.locator('.activitybar .action-item a.action-label[aria-label^="Spuriosity"]').first().click();
    // a dataset's row is the one labeled with its name alone (its model rows below carry the model's name)
    const row = (name: string) => p.locator('.part.sidebar .monaco-list-row').filter({ has: p.locator('.label-name', { hasText: new RegExp(`^\\s*${name}\\s*$`) }) }).first();
    for (const name of [DATASET, SECOND]) await row(name).waitFor({ timeout: 30_000 });
    assert.match(await row(SECOND).innerText(), /shown/, `${SECOND} is marked as the one shown`);
    assert.match(await p.locator('.part.sidebar').innerText(), /spurious-mnist demo CNN/, 'each dataset lists the model it was ranked with');
    await shootWorkbench(p, 'datasets-view');
    await row(DATASET).click();
    await until(`the panel shows ${DATASET} again`, async () => (await p.locator('.tabs-container .tab', { hasText: `Spuriosity: ${DATASET}` }).count()) > 0, { timeout: 60_000 });
    await labeledIs(p, 'overview-view .summary', '10 of 10 classes labeled');
    assert.match(await row(DATASET).innerText(), /shown/);
    log('Spuriosity view: both datasets listed; switched the panel back to the first (still labeled, from memory)');

    // ---- 12. Export Report: one HTML file beside the dataset (not inside it), thumbnails embedded ----
    await runCommand(p, 'Spuriosity: Export Report…');
    const pathInput = p.locator('.quick-input-widget .quick-input-box input');
    await pathInput.waitFor({ timeout: 30_000 });
    const offered = await until('the suggested file name', async () => { const v = await pathInput.inputValue(); return v.endsWith('.html') ? v : undefined; }, { timeout: 15_000 });
    assert.match(offered, new RegExp(`spuriosity-report-${DATASET}\\.html$`), `the save dialog offers an HTML file, got "${offered}"`);
    assert.ok(!offered.includes(`${DATASET}/spuriosity-report`), `the default is beside the dataset, not inside it: ${offered}`);
    await pathInput.press('Enter');
    await waitForNotification(p, /report written to/, { timeout: 120_000 });
    const report = join(workspace, `spuriosity-report-${DATASET}.html`);
    const html = readFileSync(report, 'utf8');
    assert.ok((html.match(/src="data:image\/webp;base64,/g) ?? []).length >= 50, 'the report embeds the thumbnails');
    assert.match(html, /Low-spuriosity tuning/, 'the report lists the fine-tuning run');
    log(`report: ${basename(report)} (${(html.length / 1024).toFixed(0)} KB)`);
    await clearNotifications(p);

    // ---- 13. reload: the fine-tuning result is restored into the Mitigation view, and Export still works ----
    await runCommand(p, 'Developer: Reload Window');
    await p.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await until(`the restored panel shows ${DATASET}`, async () => (await p.locator('.tabs-container .tab', { hasText: `Spuriosity: ${DATASET}` }).count()) > 0, { timeout: 3 * 60_000 });
    await (await tab(p, 'Mitigation')).click();
    const restored = (await (await findInFrames(p, 'mitigation-view li', { hasText: 'Low-spuriosity tuning', timeout: 60_000 })).innerText()).trim();
    assert.equal(restored, summary, 'after a reload the Mitigation view shows the same result');
    await (await findInFrames(p, 'mitigation-view vscode-button', { hasText: 'Head as JSON' })).click();
    const headInput = p.locator('.quick-input-widget .quick-input-box input');
    await headInput.waitFor({ timeout: 30_000 });
    // the simple save dialog shows the folder first, then fills in the suggested name
    const headPath = await until('the suggested file name', async () => { const v = await headInput.inputValue(); return v.endsWith('.json') ? v : undefined; }, { timeout: 15_000 });
    assert.match(headPath, new RegExp(`/workspace/tuned-head-${DATASET}-low-spuriosity\\.json$`), 'the tuned head is saved beside the dataset by default');
    await headInput.press('Enter');
    await waitForNotification(p, /wrote .*tuned-head/);
    const head = JSON.parse(readFileSync(join(workspace, `tuned-head-${DATASET}-low-spuriosity.json`), 'utf8')) as { format: string; classes: number };
    assert.equal(head.format, 'spuriosity-lens/head@1');
    log(`reloaded: "${restored}" restored; exported the tuned head without tuning again`);
    await clearNotifications(p);

    // ---- 14. Create Demo Dataset… (the generator shipped in the .vsix) into a folder the user picks; it is ranked ----
    const demoParent = join(workspace, 'demo-gen');
    mkdirSync(demoParent);
    await runCommand(p, 'Spuriosity: Create Demo Dataset…');
    const folderInput = p.locator('.quick-input-widget .quick-input-box input');
    await folderInput.waitFor({ timeout: 30_000 });
    // the simple folder dialog fills in its starting folder asynchronously: type over it only once it is there
    await until('the folder dialog ready', async () => (await folderInput.inputValue()).includes(workspace), { timeout: 15_000 });
    await folderInput.fill(`${demoParent}/`);
    await p.waitForTimeout(700);
    await folderInput.press('Enter');
    const made = join(demoParent, 'spurious-mnist');
    const written = await waitForNotification(p, /demo dataset written to/, { timeout: 120_000 });
    assert.ok(written.includes(made), `the demo dataset is written into the picked folder, got "${written}"`);
    const gen = await until('the created demo ranked', () => {
      const lines = logLines(userDataDir);
      const ready = lines.findIndex((l) => l.includes(`Demo dataset ready in ${made}`));
      return ready < 0 ? undefined : lines.slice(ready).map((l) => /Ranked spurious-mnist: (\d+) images computed, (\d+) from cache/.exec(l)).find((m) => m?.[2] === '0');
    }, { timeout: 3 * 60_000 });
    assert.ok(existsSync(join(made, 'params.json')) && existsSync(join(made, 'train', '0-zero')), `the demo dataset in ${made}`);
    assert.equal(readFileSync(join(made, 'ground-truth.json'), 'utf8'), readFileSync(join(dataset, 'ground-truth.json'), 'utf8'), 'the shipped generator writes the same dataset as the repository\'s');
    log(`Create Demo Dataset: ${made}; ${gen[0]}`);
    await clearNotifications(p);

    log(`screenshots in ${SHOTS}; done in ${((Date.now() - r.t0) / 1000).toFixed(0)} s`);
  });
});

/** Re-takes every view after the theme switch (the panel keeps its tab, class, overlay and detail). */
async function lightPass(p: Page): Promise<void> {
  const theme: ThemeSlug = 'light';
  await (await tab(p, 'Labeling')).click();
  await (await findInFrames(p, 'labeling-view section.card .imgs img')).waitFor();
  await shoot(p, 'labeling', theme);
  await (await tab(p, 'Class')).click();
  await (await findInFrames(p, 'image-detail .heats img')).waitFor();
  // the relabel in step 4 dropped the computed crops: the detail asks again, in a child process
  await (await findInFrames(p, 'image-detail .frame .box', { timeout: 120_000 })).waitFor();
  await until('the gallery thumbnails loaded', async () => (await (await findInFrames(p, 'class-view .grid')).locator('.tile img:not(.heat)')
    .evaluateAll((imgs) => imgs.length > 0 && imgs.every((i) => (i as HTMLImageElement).complete))), { timeout: 60_000 });
  await shoot(p, 'detail', theme);
  await (await findInFrames(p, 'image-detail vscode-button[aria-label^="Close detail"]')).click();
  await (await findInFrames(p, 'class-view .tile img.heat')).waitFor();
  await shoot(p, 'class-overlay', theme);
  await (await tab(p, 'Core crops')).click();
  await (await findInFrames(p, 'crops-view .grid .item')).waitFor();
  await shoot(p, 'crops', theme);
  await (await tab(p, 'Models')).click();
  await (await findInFrames(p, 'compare-view themed-chart canvas')).waitFor();
  await shoot(p, 'compare', theme);
  await (await tab(p, 'Overview')).click();
  await (await findInFrames(p, 'overview-view themed-chart canvas')).waitFor();
  await shoot(p, 'overview', theme);
  await (await tab(p, 'Mitigation')).click();
  await (await findInFrames(p, 'mitigation-view themed-chart canvas')).waitFor();
  await shoot(p, 'mitigation', theme);
}
