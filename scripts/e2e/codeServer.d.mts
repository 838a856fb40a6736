// Types for scripts/e2e/codeServer.mjs, so the TypeScript e2e test can import it.

/** The shared install-code-server.sh path. */
export const INSTALL_SCRIPT: string;
/** Runs the (idempotent) installer; returns code-server's entry script. */
export function installCodeServer(dest?: string): string;
/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number>;
/** Installs a .vsix; returns the installed extension's folder. */
export function installExtension(o: { entry: string; userDataDir: string; extensionsDir: string; vsix: string }): string;
/** Merges settings into <userDataDir>/User/settings.json; returns its path. */
export function writeUserSettings(userDataDir: string, settings: Record<string, unknown>): string;
/** A running code-server. */
export interface CodeServer { url: string; port: number; stop(): Promise<void> }
/** Starts code-server on a free port and waits until it answers. */
export function startCodeServer(o: { entry: string; userDataDir: string; extensionsDir: string; workspace: string; logFile: string; timeoutMs?: number }): Promise<CodeServer>;
