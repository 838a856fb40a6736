// What a failed end-to-end run leaves behind: a screenshot of the workbench, code-server's own log and
// VS Code's log folder (it holds the extension's "Spuriosity Lens" output channel), all under one folder.
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Saves whatever helps explain a failure into dir; never throws (it runs while a failure is being reported). */
export async function saveFailureArtifacts(dir, { page, userDataDir, codeServerLog } = {}) {
  mkdirSync(dir, { recursive: true });
  const saved = [];
  if (page) {
    try {
      await page.screenshot({ path: join(dir, 'failure.png'), timeout: 10_000 });
      saved.push(join(dir, 'failure.png'));
    } catch { /* the page may be gone */ }
  }
  if (codeServerLog && existsSync(codeServerLog)) {
    cpSync(codeServerLog, join(dir, 'code-server.log'));
    saved.push(join(dir, 'code-server.log'));
  }
  const logs = userDataDir && join(userDataDir, 'logs');
  if (logs && existsSync(logs)) {
    cpSync(logs, join(dir, 'vscode-logs'), { recursive: true });
    saved.push(...findFiles(join(dir, 'vscode-logs'), /Spuriosity Lens|exthost\.log$|remoteexthost\.log$/));
  }
  return saved;
}

function findFiles(dir, re) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...findFiles(p, re));
    else if (re.test(name)) out.push(p);
  }
  return out;
}

/**
 * What the failure looked like, as text for the console: the saved folder is gone once a CI clone is removed, and
 * only the console output is kept. The workbench's notifications, each webview's visible text, and the tail of
 * every "Spuriosity Lens" log the run wrote.
 */
export async function failureSummary({ page, saved = [], lines = 25 } = {}) {
  const out = [];
  if (page) {
    const toasts = await page.locator('.notifications-toasts .notification-list-item-message').allInnerTexts().catch(() => []);
    out.push(`notifications: ${toasts.length ? toasts.map((t) => JSON.stringify(t.slice(0, 300))).join(' | ') : 'none'}`);
    for (const f of page.frames()) {
      const text = await f.locator('lens-app').first().innerText({ timeout: 1_000 }).catch(() => null);
      if (text !== null) out.push(`panel text: ${JSON.stringify(text.replace(/\s+/g, ' ').slice(0, 600))}`);
    }
  }
  for (const p of saved.filter((f) => /Spuriosity Lens/.test(f))) {
    const tail = readFileSync(p, 'utf8').trimEnd().split('\n').slice(-lines);
    out.push(`${p} (last ${tail.length} lines):`, ...tail.map((l) => `  ${l}`));
  }
  return out.join('\n');
}
