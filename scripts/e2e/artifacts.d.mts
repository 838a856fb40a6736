// Types for scripts/e2e/artifacts.mjs.
import type { Page } from 'playwright-core';

/** Saves a screenshot, code-server's log and VS Code's logs into dir; returns the files worth reading first. */
export function saveFailureArtifacts(dir: string, o?: { page?: Page; userDataDir?: string; codeServerLog?: string }): Promise<string[]>;

/** The failure as console text: notifications, each panel's visible text, the tail of each saved Spuriosity Lens log. */
export function failureSummary(o?: { page?: Page; saved?: string[]; lines?: number }): Promise<string>;
