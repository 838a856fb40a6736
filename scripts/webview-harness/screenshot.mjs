// Screenshots every panel view in the harness, in light and dark (and high contrast for two),
// into docs/screenshots/harness-<view>-<theme>.png, and smoke-checks the panel on the way:
// no page errors, every message the webview sent passes the host's validator, the labeling keys
// post setLabel, and the 10,000-image gallery requests only pages near what is visible.
// Run: node --import tsx scripts/webview-harness/screenshot.mjs
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { buildHarness } from './build.mjs';
import { parseWebviewMessage } from '../../src/shared/protocol.ts';

const dist = await buildHarness();
const root = join(dist, '..');
const out = join(root, 'docs', 'screenshots');
await mkdir(out, { recursive: true });

const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json' };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^([/\\])+/, '');
  try {
    const body = await readFile(join(dist, path));
    res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${server.address().port}/harness/index.html`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const problems = [];

const views = [
  { name: 'overview', q: 'tab=overview', wait: 'themed-chart canvas', themes: ['light', 'dark', 'high-contrast'] },
  { name: 'overview-extracting', q: 'tab=overview&extraction=1', wait: 'vscode-progress-bar', themes: ['light'] },
  { name: 'class', q: 'tab=class', wait: '.tile img' },
  { name: 'class-overlay', q: 'tab=class&overlay=1', wait: '.tile img.heat' },
  { name: 'detail', q: 'tab=class&detail=1', wait: 'image-detail .heats img' },
  { name: 'labeling', q: 'tab=labeling', wait: '.card .imgs img', themes: ['light', 'dark', 'high-contrast'] },
  { name: 'mitigation-live', q: 'tab=mitigation&run=1', wait: 'themed-chart canvas', settle: 1300 },
  { name: 'mitigation-results', q: 'tab=mitigation&results=1', wait: 'themed-chart canvas' },
  { name: 'review', q: 'tab=review&notice=1', wait: '.queue img' },
  { name: 'crops', q: 'tab=crops&recheck=1&class=church', wait: 'crops-view .grid .item img' },
  { name: 'compare', q: 'tab=compare&compare=1', wait: 'compare-view themed-chart canvas', themes: ['light', 'dark', 'high-contrast'] },
  { name: 'compare-edges', q: 'tab=compare&compare=edges', wait: 'compare-view themed-chart canvas', themes: ['light', 'dark'] },
  { name: 'labeling-sensitivity', q: 'tab=labeling&sens=1&class=tench', wait: 'sensitivity-table table', themes: ['light', 'dark', 'high-contrast'] },
  { name: 'crops-narrow', q: 'tab=crops&recheck=1&class=church', wait: 'crops-view .grid .item img', width: 480, themes: ['dark'] },
];

async function open(q, theme, width = 1280) {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.on('pageerror', (e) => problems.push(`${q} ${theme}: page error ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`${q} ${theme}: console error ${m.text()}`); });
  await page.goto(`${base}?theme=${theme}&${q}`);
  return page;
}

async function checkSent(page, label) {
  const sent = await page.evaluate(() => window.__harness.sent);
  for (const m of sent) {
    const r = parseWebviewMessage(m);
    if (!r.ok) problems.push(`${label}: webview sent an invalid message: ${r.error}`);
  }
  return sent;
}

for (const v of views) {
  for (const theme of v.themes ?? ['light', 'dark']) {
    const page = await open(v.q, theme, v.width);
    try {
      await page.waitForSelector(v.wait, { timeout: 10000 });
      await page.waitForTimeout(v.settle ?? 250);
      await page.screenshot({ path: join(out, `harness-${v.name}-${theme}.png`) });
    } catch (e) {
      problems.push(`${v.name} ${theme}: ${e.message.split('\n')[0]}`);
    }
    await checkSent(page, `${v.name} ${theme}`);
    await page.close();
  }
}

// Labeling keys: focus the view, press c on the focused card, expect a setLabel and the focus to move on.
{
  const page = await open('tab=labeling', 'dark');
  await page.waitForSelector('.card .imgs img');
  await page.focus('labeling-view');
  await page.keyboard.press('c');
  await page.keyboard.press('b');
  await page.keyboard.press('n');
  await page.waitForTimeout(200);
  const sent = await checkSent(page, 'labeling keys');
  const labels = sent.filter((m) => m.type === 'setLabel');
  if (labels.length !== 2 || labels[0].label !== 'core' || labels[1].subtype !== 'background' || labels[0].feature === labels[1].feature) {
    problems.push(`labeling keys: expected two setLabel messages (core, then background on the next feature), got ${JSON.stringify(labels)}`);
  }
  if (sent.filter((m) => m.type === 'requestFeatureCards').length < 2) problems.push('labeling keys: n did not move to the next class');
  await page.close();
}

// Sensitivity on demand: the button posts requestSensitivity for its card's feature, a progress bar with Cancel
// shows while it runs (cancel posts cancel/sensitivity), and a finished run fills the table with the largest drop marked.
{
  const page = await open('tab=labeling&class=golf%20ball', 'dark');
  await page.waitForSelector('sensitivity-table vscode-button');
  await page.locator('sensitivity-table vscode-button', { hasText: 'Measure sensitivity' }).first().click();
  await page.waitForSelector('sensitivity-table table', { timeout: 5000 }).catch(() => problems.push('sensitivity: no table after measuring'));
  const sent = await checkSent(page, 'sensitivity');
  const req = sent.find((m) => m.type === 'requestSensitivity');
  if (!req || req.class !== 'golf ball') problems.push(`sensitivity: expected requestSensitivity for golf ball, got ${JSON.stringify(req)}`);
  if ((await page.locator('sensitivity-table td.max').count()) !== 1) problems.push('sensitivity: the largest drop is not highlighted exactly once');
  await page.close();
  const slow = await open('tab=labeling&class=golf%20ball&slow=1', 'dark');
  await slow.waitForSelector('sensitivity-table vscode-button');
  await slow.locator('sensitivity-table vscode-button', { hasText: 'Measure sensitivity' }).first().click();
  await slow.waitForSelector('sensitivity-table vscode-progress-bar', { timeout: 5000 }).catch(() => problems.push('sensitivity: no progress bar while running'));
  await slow.locator('sensitivity-table vscode-button', { hasText: 'Cancel' }).click();
  await slow.waitForTimeout(200);
  const cancels = (await checkSent(slow, 'sensitivity cancel')).filter((m) => m.type === 'cancel' && m.target === 'sensitivity');
  if (cancels.length !== 1) problems.push('sensitivity: Cancel did not post cancel/sensitivity');
  if (await slow.locator('sensitivity-table vscode-progress-bar').count()) problems.push('sensitivity: the progress bar stays after cancelling');
  await slow.close();
}

// Models: "Compare models…" posts runComparison; while it runs a progress bar with Cancel (posting cancel/compare) shows.
{
  const page = await open('tab=compare&slow=1', 'dark');
  await page.locator('compare-view vscode-button', { hasText: 'Compare models' }).click();
  await page.waitForSelector('compare-view vscode-progress-bar', { timeout: 5000 }).catch(() => problems.push('compare: no progress bar while running'));
  await page.locator('compare-view vscode-button', { hasText: 'Cancel' }).click();
  await page.waitForTimeout(200);
  const sent = await checkSent(page, 'compare');
  if (!sent.some((m) => m.type === 'runComparison')) problems.push('compare: the button did not post runComparison');
  if (!sent.some((m) => m.type === 'cancel' && m.target === 'compare')) problems.push('compare: Cancel did not post cancel/compare');
  if (await page.locator('compare-view vscode-progress-bar').count()) problems.push('compare: the progress bar stays after cancelling');
  await page.close();
}

// Core crops: "Re-check" posts runCropRecheck for the chosen class, and "Changed only" hides unchanged pairs.
{
  const page = await open('tab=crops&class=church', 'dark');
  await page.locator('crops-view vscode-button', { hasText: 'Re-check on core crops' }).click();
  await page.waitForSelector('crops-view .grid .item', { timeout: 5000 }).catch(() => problems.push('crops: no pairs after the re-check'));
  const req = (await checkSent(page, 'crops')).find((m) => m.type === 'runCropRecheck');
  if (req?.class !== 'church') problems.push(`crops: expected runCropRecheck for church, got ${JSON.stringify(req)}`);
  const all = await page.locator('crops-view .grid .item').count();
  await page.locator('crops-view vscode-checkbox[label="Changed only"]').click();
  await page.waitForTimeout(100);
  const changed = await page.locator('crops-view .grid .item').count();
  const marked = await page.locator('crops-view .grid .item.changed').count();
  if (!(changed < all && changed === marked)) problems.push(`crops: "Changed only" shows ${changed} of ${all} (${marked} marked changed)`);
  await page.close();
}

// Gallery keys: one tab stop; arrows move it by tile and by row, End reaches the 10,000th tile through the virtualizer,
// Enter opens the detail of the focused tile, Escape closes it and leaves the focus on the tile.
{
  const page = await open('tab=class&big=1&class=tench', 'dark');
  await page.waitForSelector('.tile img');
  const focused = () => page.evaluate(() => {
    let a = document.activeElement;
    while (a?.shadowRoot?.activeElement) a = a.shadowRoot.activeElement;
    return a?.dataset?.index === undefined ? null : Number(a.dataset.index);
  });
  const stops = await page.locator('class-view .tile[tabindex="0"]').count();
  if (stops !== 1) problems.push(`gallery keys: ${stops} tiles in the tab order, want 1`);
  await page.locator('class-view .tile[data-index="0"]').focus();
  const columns = await page.evaluate(() => {
    const grid = document.querySelector('spuriosity-app').shadowRoot.querySelector('class-view').shadowRoot.querySelector('.grid');
    return new Set([...grid.querySelectorAll('.tile')].map((t) => Math.round(t.getBoundingClientRect().left))).size;
  });
  const steps = [['ArrowRight', 1], ['ArrowDown', 1 + columns], ['ArrowLeft', columns], ['ArrowUp', 0], ['End', 9999], ['Home', 0], ['PageDown', null]];
  for (const [key, want] of steps) {
    await page.keyboard.press(key);
    await page.waitForTimeout(key === 'End' || key === 'Home' ? 600 : 150);
    const at = await focused();
    if (want === null ? !(at > columns) : at !== want) problems.push(`gallery keys: ${key} focused tile ${at}, want ${want ?? `past the first row (${columns} columns)`}`);
  }
  const target = await focused();
  if (target === null) problems.push('gallery keys: no tile has the focus after the moves');
  else {
  await page.keyboard.press('Enter');
  await page.waitForSelector('class-view image-detail', { timeout: 5000 }).catch(() => problems.push('gallery keys: Enter did not open the detail'));
  const asked = (await checkSent(page, 'gallery keys')).filter((m) => m.type === 'requestImageDetail').pop();
  const id = await page.locator(`class-view .tile[data-index="${target}"]`).getAttribute('aria-label');
  if (!asked || !id?.startsWith(asked.id)) problems.push(`gallery keys: Enter asked for ${asked?.id}, the focused tile is ${id}`);
  await page.keyboard.press('Escape');
  await page.waitForTimeout(200);
  if (await page.locator('class-view image-detail').count()) problems.push('gallery keys: Escape did not close the detail');
  if ((await focused()) !== target) problems.push(`gallery keys: after Escape the focus is on ${await focused()}, want tile ${target}`);
  // Escape inside the detail closes it too, and the focus goes back to the tile rather than to the page
  await page.keyboard.press('Enter');
  await page.waitForSelector('class-view image-detail vscode-button', { timeout: 5000 });
  await page.locator('class-view image-detail vscode-button').first().focus();
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300);
  if (await page.locator('class-view image-detail').count()) problems.push('gallery keys: Escape in the detail did not close it');
  if ((await focused()) !== target) problems.push(`gallery keys: after closing the detail from inside, the focus is on ${await focused()}, want tile ${target}`);
  }
  console.log(`gallery keys: ${columns} columns; ${steps.map(([k]) => k).join(', ')}, then Enter and Escape on tile ${target}`);
  await page.close();
}

// Theme switch: VS Code rewrites the html style and body class; the chart must redraw in the new colours.
{
  const page = await open('tab=overview', 'dark');
  await page.waitForSelector('themed-chart canvas');
  await page.waitForTimeout(200);
  const grab = () => page.locator('themed-chart canvas').evaluate((c) => c.toDataURL());
  const before = await grab();
  await page.evaluate(() => {
    for (const [k, v] of Object.entries({ '--vscode-charts-orange': '#00ff00', '--vscode-charts-foreground': '#ff00ff' })) document.documentElement.style.setProperty(k, v);
    document.body.classList.add('vscode-light');
  });
  await page.waitForTimeout(200);
  if ((await grab()) === before) problems.push('theme switch: the gap chart did not redraw with the new --vscode-* colours');
  await page.close();
}

// Class table column widths: the 26/13/11/12/14/24% columns hold when the host switches the panel to the overview
// (Measure Spurious Gap: the table is made while its tab panel is still hidden) and after a filter empties the table.
{
  const page = await open('tab=labeling', 'dark');
  await page.waitForSelector('.card .imgs img');
  const widths = () => page.evaluate(() => {
    const v = document.querySelector('spuriosity-app')?.shadowRoot?.querySelector('overview-view')?.shadowRoot;
    const w = (sel) => [...(v?.querySelectorAll(sel) ?? [])].map((c) => c.getBoundingClientRect().width);
    return { head: w('vscode-table-header-cell'), body: w('vscode-table-row:first-child vscode-table-cell') };
  });
  const check = async (when) => {
    const { head, body } = await widths();
    const total = head.reduce((a, b) => a + b, 0);
    const shares = head.map((x) => Math.round((100 * x) / total));
    const want = [26, 13, 11, 12, 14, 24];
    if (shares.length !== 6 || shares.some((x, i) => Math.abs(x - want[i]) > 1)) problems.push(`overview widths ${when}: header columns ${shares.join('/')}%, want ${want.join('/')}%`);
    if (body.length !== 6 || body.some((x, i) => Math.abs(x - head[i]) > 2)) problems.push(`overview widths ${when}: body ${body.map(Math.round).join('/')} px vs header ${head.map(Math.round).join('/')} px`);
  };
  await page.evaluate(() => window.dispatchEvent(new MessageEvent('message', { data: { type: 'showTab', tab: 'overview' } })));
  await page.waitForSelector('overview-view vscode-table-row');
  await page.waitForTimeout(300);
  await check('after the host switched to the overview');
  const filter = page.locator('overview-view vscode-textfield');
  await filter.evaluate((el) => { el.value = 'no such class'; el.dispatchEvent(new Event('input', { bubbles: true, composed: true })); });
  await page.waitForTimeout(100);
  await filter.evaluate((el) => { el.value = ''; el.dispatchEvent(new Event('input', { bubbles: true, composed: true })); });
  await page.waitForTimeout(300);
  await check('after a filter emptied the table');
  await page.close();
}

// Scale: 1,000 classes in the overview (table and chart) render in reasonable time.
{
  const page = await open('tab=overview&classes=1000', 'dark');
  const t0 = Date.now();
  await page.waitForSelector('themed-chart canvas', { timeout: 30000 });
  await page.waitForFunction(() => {
    const v = document.querySelector('spuriosity-app')?.shadowRoot?.querySelector('overview-view');
    return (v?.shadowRoot?.querySelectorAll('vscode-table-row').length ?? 0) >= 250;
  }, null, { timeout: 30000 });
  const ms = Date.now() - t0;
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'harness-overview-1000-dark.png') });
  // Re-sorting the table is what a user does repeatedly: time one header click.
  const t1 = Date.now();
  await page.locator('vscode-table-header-cell button').first().click();
  await page.waitForFunction(() => {
    const v = document.querySelector('spuriosity-app')?.shadowRoot?.querySelector('overview-view');
    return v?.shadowRoot?.querySelector('vscode-table-row vscode-table-cell')?.textContent?.trim().startsWith('chain saw');
  }, null, { timeout: 30000 });
  console.log(`1,000 classes: overview rendered in ${ms} ms, re-sorted in ${Date.now() - t1} ms (wall clock, shared machine)`);
  await page.close();
}

// Virtualization: a 10,000-image class asks for a few pages, and after scrolling to the end a few more, never all.
{
  const page = await open('tab=class&big=1&class=tench', 'dark');
  await page.waitForSelector('.tile img');
  const tiles = await page.locator('.tile').count();
  await page.locator('.grid').evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await page.waitForTimeout(600);
  const sent = await checkSent(page, 'virtualization');
  const pages = sent.filter((m) => m.type === 'requestClassPage');
  const offsets = pages.map((m) => m.offset);
  if (tiles > 400) problems.push(`virtualization: ${tiles} tiles in the DOM for 10,000 images`);
  if (pages.length > 12 || !offsets.some((o) => o >= 9000)) problems.push(`virtualization: requested offsets ${offsets.join(',')}`);
  await page.screenshot({ path: join(out, 'harness-class-10000-end-dark.png') });
  console.log(`virtualization: ${tiles} tiles in the DOM, ${pages.length} page requests (offsets ${offsets.join(', ')})`);
  await page.close();
}

await browser.close();
server.close();
if (problems.length) {
  console.error(`harness problems:\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`screenshots written to ${out}`);
