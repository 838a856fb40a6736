// The panel's own flows in a real VS Code (code-server in Debian's Chromium), kept short: the demo dataset is
// labeled from its probe images by the CLI except two classes; in the panel the user labels those two with single
// keys, crossing a class boundary (the focus must land on #1 of the next class, with "X done, 9 of 10 classes
// labeled"), ends in the all-done state, measures one feature's sensitivity (its label and its largest drop agree),
// reloads the window (the panel comes back on the Labeling tab, the measured sensitivity still shown), opens the class gallery's heatmap overlay (legend,
// one chosen feature, opacity) and photographs both in Dark Modern and Dark High Contrast:
// docs/screenshots/vscode-{labeling-flow,class-heatmap}-{dark,high-contrast}.png.
// Runs with `npm run test:e2e` beside extension.e2e.test.ts: it reuses the .vsix that test packages when both run
// (or packages one itself when run alone, `node scripts/test.mjs --e2e panel-flows`); E2E_REUSE_VSIX=1 skips packaging.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import { installCodeServer, installExtension, startCodeServer, writeUserSettings, type CodeServer } from '../../scripts/e2e/codeServer.mjs';
import { explorerContextMenu, findInFrames, frameWith, launchBrowser, openWorkspace, runCommand, setColorTheme, until } from '../../scripts/e2e/workbench.mjs';
import { saveFailureArtifacts } from '../../scripts/e2e/artifacts.mjs';
import { colormapGradient } from '../../src/shared/colormap';
import { shoot, THEMES } from './panelShots';

const repo = resolve('.');
const DATASET = 'spurious-mnist';

function run(cmd: string, args: string[], what: string, timeoutMs = 5 * 60_000): string {
  const r = spawnSync(cmd, args, { cwd: repo, encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${what} failed (exit ${r.status ?? r.signal}):\n${r.stderr}\n${r.stdout.slice(-4000)}`);
  return r.stdout;
}

const newestVsix = (): string | undefined => {
  const dir = join(repo, 'dist-vsix');
  if (!existsSync(dir)) return undefined;
  return readdirSync(dir).filter((n) => n.endsWith('.vsix')).map((n) => join(dir, n)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
};

/** True while some process packages or builds the extension (extension.e2e.test.ts running `npm run package` beside this file). */
function packagingRuns(): boolean {
  const r = spawnSync('pgrep', ['-f', 'scripts/(package|build)\\.mjs|vsce package'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim().split('\n').some((pid) => Number(pid) !== process.pid);
}

/**
 * A .vsix of this tree. When the other e2e file packages at the same time (the e2e suite runs two files at once),
 * wait for its package instead of building dist/ twice at once; alone, package here.
 */
async function vsixForThisRun(startedAt: number): Promise<string> {
  if (process.env.E2E_REUSE_VSIX === '1') {
    const v = newestVsix();
    assert.ok(v, 'E2E_REUSE_VSIX=1 but dist-vsix/ has no .vsix');
    return v;
  }
  let seen = false;
  for (let waited = 0; waited < 8 * 60_000; waited += 2000) {
    const fresh = newestVsix();
    if (fresh && statSync(fresh).mtimeMs >= startedAt && !packagingRuns()) return fresh;
    if (packagingRuns()) seen = true;
    else if (!seen && waited >= 15_000) break; // nobody else is packaging
    await new Promise((r) => setTimeout(r, 2000));
  }
  run('npm', ['run', 'package'], 'npm run package', 8 * 60_000);
  return newestVsix()!;
}

type Labels = Record<string, Record<string, { label: string; subtype?: string }>>;

/** The single key that gives a stored label (the labeling view's keyboard model). */
function keyFor(l: { label: string; subtype?: string }): string {
  if (l.label === 'core') return 'c';
  return l.subtype === 'background' ? 'b' : l.subtype === 'separate_object' ? 'o' : 's';
}

const lensText = async (page: Page, selector: string, timeout = 30_000): Promise<string> =>
  ((await (await findInFrames(page, selector, { timeout })).textContent()) ?? '').replace(/\s+/g, ' ').trim();

const tab = (page: Page, title: string) => findInFrames(page, 'vscode-tab-header', { hasText: new RegExp(`^\\s*${title}\\s*$`) });

/** Scrolls the panel back to its top (measuring a sensitivity scrolled the card into view), so a shot shows the heading and the done line. */
async function toTop(page: Page): Promise<void> {
  await (await findInFrames(page, 'lens-app')).evaluate(() => window.scrollTo(0, 0));
}

/** "#1 · feature 70" of the focused card, and the class shown. */
async function labelingAt(page: Page): Promise<{ cls: string; focused: string }> {
  return { cls: await lensText(page, 'labeling-view .head h2'), focused: await lensText(page, 'labeling-view section.card.focused header strong') };
}

test('panel flows: keyboard labeling across a class boundary, reload on the same tab, heatmap legend, High Contrast', { timeout: 14 * 60_000 }, async () => {
  const t0 = Date.now();
  const log = (msg: string) => console.log(`[panel-flows ${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);
  const work = mkdtempSync(join(tmpdir(), 'spuriosity-flows-'));
  const userDataDir = join(work, 'user-data');
  const extensionsDir = join(work, 'extensions');
  const workspace = join(work, 'workspace');
  const codeServerLog = join(work, 'code-server.log');
  let server: CodeServer | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  try {
    const vsix = await vsixForThisRun(t0);
    const entry = installCodeServer();
    const dataset = await generateDemoDataset({ out: join(workspace, DATASET) });
    const extDir = installExtension({ entry, userDataDir, extensionsDir, vsix });
    const model = join(extDir, 'models', 'demo', 'spurious-mnist.onnx');
    writeUserSettings(userDataDir, {
      'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'workbench.colorTheme': THEMES.dark.id,
      'workbench.tips.enabled': false, 'extensions.ignoreRecommendations': true, 'telemetry.telemetryLevel': 'off',
      'spuriosityLens.modelPath': model, 'spuriosityLens.cacheLocation': 'dataset',
    });
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

    server = await startCodeServer({ entry, userDataDir, extensionsDir, workspace, logFile: codeServerLog });
    browser = await launchBrowser();
    page = await openWorkspace(browser, server.url, workspace);
    const p = page;
    await explorerContextMenu(p, DATASET, 'Spuriosity: Rank Dataset');
    await until('8 of 10 classes labeled', async () => (await lensText(p, 'overview-view .summary', 4 * 60_000)).includes('8 of 10 classes labeled'), { timeout: 4 * 60_000 });
    await runCommand(p, 'View: Close Primary Side Bar');
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
    await toTop(p);
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

    // ---- Dark High Contrast ----
    await setColorTheme(p, THEMES['high-contrast'].label);
    await until('the webview in the high-contrast theme', async () => (await findInFrames(p, 'lens-app')).evaluate(() => document.body.classList.contains('vscode-high-contrast')).catch(() => false), { timeout: 30_000 });
    await shoot(p, 'class-heatmap', 'high-contrast');
    await (await tab(p, 'Labeling')).click();
    await (await findInFrames(p, 'labeling-view sensitivity-table table')).waitFor({ timeout: 60_000 });
    await toTop(p);
    await shoot(p, 'labeling-flow', 'high-contrast');
    log('High Contrast shots taken');
  } catch (e) {
    const kept = await saveFailureArtifacts(join(repo, '.e2e', 'panel-flows'), { page, userDataDir, codeServerLog }).catch(() => []);
    console.error(`panel-flows failed; artifacts: ${kept.join(', ')}`);
    throw e;
  } finally {
    await browser?.close().catch(() => {});
    await server?.stop().catch(() => {});
  }
});
