// Types for scripts/e2e/artifacts.mjs.
import type { Page } from 'playwright-core';

/** Saves a screenshot, code-server's log and VS Code's logs into dir; returns the files worth reading first. */
export function saveFailureArtifacts(dir: string, o?: { page?: Page; userDataDir?: string; codeServerLog?: string }): Promise<string[]>;
