// Screenshots of the panel inside the workbench: docs/screenshots/vscode-<view>-<theme>.png.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';

/** The two themes every view is photographed in: settings id and the label the theme picker shows. */
export const THEMES = {
  dark: { id: 'Default Dark Modern', label: 'Dark Modern' },
  light: { id: 'Default Light Modern', label: 'Light Modern' },
  'high-contrast': { id: 'Default High Contrast', label: 'Dark High Contrast' },
} as const;
/** File-name slug of a theme. */
export type ThemeSlug = keyof typeof THEMES;
/** The photographed views (README links these names). */
export type View = 'overview' | 'class-overlay' | 'detail' | 'labeling' | 'mitigation' | 'crops' | 'compare'
  | 'labeling-flow' | 'class-heatmap' | 'reload-restored';

/** Where the screenshots go. */
export const SHOTS = resolve('docs', 'screenshots');

/** Lets images and charts settle, moves the pointer off the panel (no hover state) and saves the shot. */
export async function shoot(page: Page, view: View, theme: ThemeSlug): Promise<string> {
  // no transient "Activating Extensions..." in the shot
  await page.locator('.part.statusbar', { hasText: 'Activating Extensions' }).waitFor({ state: 'detached', timeout: 20_000 }).catch(() => {});
  return shootAs(page, `vscode-${view}-${theme}.png`);
}

/** The whole workbench as docs/screenshots/<file>: pointer off the panel, no focus ring, images settled. */
export async function shootAs(page: Page, file: string): Promise<string> {
  mkdirSync(SHOTS, { recursive: true });
  await page.mouse.move(2, 2);
  // no focus ring on the status bar or a tab
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.waitForTimeout(800);
  const path = join(SHOTS, file);
  await page.screenshot({ path });
  return path;
}
