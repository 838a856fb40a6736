// Types for scripts/e2e/workbench.mjs, so the TypeScript e2e test can import it.
import type { Browser, Frame, Locator, Page } from 'playwright-core';

interface Wait { timeout?: number }
/** Chromium flags for this machine. */
export const CHROMIUM_ARGS: string[];
/** Launches Debian's Chromium. */
export function launchBrowser(): Promise<Browser>;
/** Opens the workbench on a folder; resolves once the Explorer shows it. */
export function openWorkspace(browser: Browser, url: string, folder: string, o?: Wait & { width?: number; height?: number }): Promise<Page>;
/** Right-click an Explorer row and run a context menu entry. */
export function explorerContextMenu(page: Page, rowText: string, menuText: string, o?: Wait): Promise<void>;
/** F1, type the command title, Enter. */
export function runCommand(page: Page, title: string, o?: Wait): Promise<void>;
/** Clicks an entry of the open quick pick. */
export function pickQuickItem(page: Page, label: string, o?: Wait): Promise<void>;
/** Moves keyboard focus to the workbench (out of webviews). */
export function focusWorkbench(page: Page): Promise<void>;
/** Waits for a notification toast matching re; returns its text. */
export function waitForNotification(page: Page, re: RegExp, o?: Wait): Promise<string>;
/** Clears all notification toasts. */
export function clearNotifications(page: Page): Promise<void>;
/** The frame holding selector (webviews are nested iframes). */
export function frameWith(page: Page, selector: string, o?: Wait & { hasText?: string | RegExp }): Promise<Frame>;
/** A locator for selector in whichever frame holds it (webviews are nested iframes). */
export function findInFrames(page: Page, selector: string, o?: Wait & { hasText?: string | RegExp }): Promise<Locator>;
/** Polls fn until truthy; returns that value. */
export function until<T>(what: string, fn: () => T | Promise<T>, o?: Wait & { interval?: number }): Promise<NonNullable<T>>;
/** Switches the colour theme through the palette. */
export function setColorTheme(page: Page, theme: string, o?: Wait): Promise<void>;
