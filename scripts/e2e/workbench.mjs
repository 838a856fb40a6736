// Driving the VS Code workbench (code-server in Debian's Chromium) like a user: open a folder,
// right-click in the Explorer, run palette commands, read notifications, find webview elements.
import { chromium } from 'playwright-core';

/** Chromium flags that work on this kind of machine (no GPU, no network but localhost). */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Launches Debian's Chromium (CHROMIUM overrides the path). */
export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Opens the workbench on a folder and waits until the Explorer lists it. */
export async function openWorkspace(browser, url, folder, { width = 1400, height = 900, timeout = 90_000 } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  await page.goto(`${url}/?folder=${encodeURIComponent(folder)}`);
  await page.waitForSelector('.monaco-workbench', { timeout });
  await page.waitForSelector('.explorer-folders-view .monaco-list-row', { timeout });
  return page;
}

/** Right-clicks the Explorer row labeled rowText and runs the context menu entry menuText. */
export async function explorerContextMenu(page, rowText, menuText, { timeout = 30_000 } = {}) {
  const row = page.locator('.explorer-folders-view .monaco-list-row', { hasText: rowText }).first();
  await row.waitFor({ timeout });
  const item = page.locator('.context-view .action-label', { hasText: menuText }).first();
  const deadline = Date.now() + timeout;
  // Right after the workbench loads a context menu can open before the extension's entries are known,
  // or close at once: retry the right-click until the entry shows.
  for (;;) {
    await row.click({ button: 'right' });
    try {
      await item.waitFor({ timeout: 4000 });
      break;
    } catch (e) {
      const shown = await page.locator('.context-view .action-label').allTextContents().catch(() => []);
      if (Date.now() > deadline) throw new Error(`e2e: the Explorer context menu of "${rowText}" has no "${menuText}"; it shows ${JSON.stringify(shown.filter(Boolean))}`, { cause: e });
      await page.keyboard.press('Escape');
    }
  }
  await item.hover();
  await item.click();
  // When a webview had the focus, the first click on the menu may only move focus back to the workbench:
  // the entry stays highlighted, so Enter runs it.
  const menu = page.locator('.context-view .monaco-menu');
  if (!(await menu.waitFor({ state: 'hidden', timeout: 3000 }).then(() => true, () => false))) {
    await page.keyboard.press('Enter');
    await menu.waitFor({ state: 'hidden', timeout });
  }
}

const exactly = (text) => new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);

/** The quick-input row whose label is exactly text (not just one that contains it, nor the highlighted one). */
function quickRow(page, text) {
  return page.locator('.quick-input-widget .quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exactly(text) }) }).first();
}

/** Runs a command from the palette: F1, type its title, click the entry with exactly that title. */
export async function runCommand(page, title, { timeout = 30_000 } = {}) {
  await focusWorkbench(page);
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ timeout });
  await input.fill(`>${title}`);
  const row = quickRow(page, title);
  await row.waitFor({ timeout });
  // Enter, as a user would, when the highlighted entry is the one; a click when a longer title is highlighted
  if (await row.evaluate((el) => el.classList.contains('focused'))) await input.press('Enter');
  else await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 }).catch(() => { /* a follow-up quick pick may be open */ });
}

/** Picks an entry of an open quick pick by its label (a prefix of it, e.g. without its description). */
export async function pickQuickItem(page, label, { timeout = 30_000 } = {}) {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: label }).first();
  await row.waitFor({ timeout });
  await row.click();
}

/** Keyboard focus on the workbench itself (not inside a webview iframe), so F1 reaches VS Code. */
export async function focusWorkbench(page) {
  // the status bar's middle is empty (its left end is the remote menu, its right end notifications)
  const bar = page.locator('.part.statusbar').first();
  const box = await bar.boundingBox().catch(() => null);
  if (box) await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
}

/** Waits for a notification toast whose text matches re; returns its text. */
export async function waitForNotification(page, re, { timeout = 60_000 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const texts = await page.locator('.notification-toast .notification-list-item-message').allTextContents().catch(() => []);
    const hit = texts.find((t) => re.test(t));
    if (hit) return hit;
    if (Date.now() > deadline) throw new Error(`e2e: no notification matching ${re} within ${timeout / 1000} s; shown: ${JSON.stringify(texts)}`);
    await page.waitForTimeout(250);
  }
}

/** Closes every notification toast (they would cover screenshots). */
export async function clearNotifications(page) {
  await runCommand(page, 'Notifications: Clear All Notifications').catch(() => {});
}

/** The frame (webviews live two iframes deep) that holds selector, waiting up to timeout for it to appear. */
export async function frameWith(page, selector, { timeout = 30_000, hasText } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    for (const f of page.frames()) {
      if (await f.locator(selector, hasText === undefined ? {} : { hasText }).count().catch(() => 0)) return f;
    }
    if (Date.now() > deadline) throw new Error(`e2e: "${selector}"${hasText ? ` with text ${hasText}` : ''} is in no frame after ${timeout / 1000} s`);
    await page.waitForTimeout(250);
  }
}

/** A locator for the first selector match in whichever frame holds one (playwright's CSS pierces open shadow roots). */
export async function findInFrames(page, selector, { timeout = 30_000, hasText } = {}) {
  const f = await frameWith(page, selector, { timeout, hasText });
  return f.locator(selector, hasText === undefined ? {} : { hasText }).first();
}

/** Polls fn until it returns a truthy value (returned) or the timeout passes (error naming what). */
export async function until(what, fn, { timeout = 30_000, interval = 250 } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    }
    if (Date.now() > deadline) throw new Error(`e2e: timed out after ${timeout / 1000} s waiting for ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

/** Switches the colour theme through the palette ("Preferences: Color Theme"), as a user would. */
export async function setColorTheme(page, theme, { timeout = 30_000 } = {}) {
  await runCommand(page, 'Preferences: Color Theme', { timeout });
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.fill(theme);
  const row = quickRow(page, theme);
  await row.waitFor({ timeout });
  await row.click();
  await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout });
}
