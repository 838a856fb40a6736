// code-server as a real VS Code for end-to-end tests: install it (idempotent script shared by CI),
// install a .vsix into a private profile, write user settings, start and stop the server.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The installer (a copy of the team's shared tool, so a clean clone has it); CI runs it from scratch, later runs return at once. */
export const INSTALL_SCRIPT = resolve(process.env.E2E_INSTALL_SCRIPT ?? join(dirname(fileURLToPath(import.meta.url)), 'install-code-server.sh'));

/** Runs the installer and returns the code-server entry script (the installer's last output line). */
export function installCodeServer(dest = process.env.E2E_CODE_SERVER_DIR) {
  if (!existsSync(INSTALL_SCRIPT)) throw new Error(`e2e: ${INSTALL_SCRIPT} is missing; set E2E_INSTALL_SCRIPT to install-code-server.sh`);
  const r = spawnSync('bash', [INSTALL_SCRIPT, ...(dest ? [dest] : [])], { encoding: 'utf8', timeout: 15 * 60_000 });
  if (r.status !== 0) throw new Error(`e2e: ${INSTALL_SCRIPT} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  const entry = r.stdout.trim().split('\n').pop() ?? '';
  if (!existsSync(entry)) throw new Error(`e2e: ${INSTALL_SCRIPT} printed "${entry}", which is not a file`);
  return entry;
}

/** A TCP port nobody listens on right now. */
export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = /** @type {import('node:net').AddressInfo} */ (s.address());
      s.close(() => res(port));
    });
  });
}

/** Installs a .vsix into extensionsDir and returns the installed extension's folder. */
export function installExtension({ entry, userDataDir, extensionsDir, vsix }) {
  const r = spawnSync(process.execPath, [entry, '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--install-extension', vsix, '--force'],
    { encoding: 'utf8', timeout: 5 * 60_000 });
  if (r.status !== 0) throw new Error(`e2e: installing ${vsix} failed (exit ${r.status}):\n${r.stderr}${r.stdout}`);
  const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
  const id = `${pkg.publisher}.${pkg.name}-${pkg.version}`.toLowerCase();
  const dir = readdirSync(extensionsDir).find((d) => d.toLowerCase().startsWith(id));
  if (!dir) throw new Error(`e2e: ${vsix} installed, but no folder ${id}* appeared in ${extensionsDir}; output:\n${r.stdout}`);
  return join(extensionsDir, dir);
}

/** Merges settings into the profile's User/settings.json (code-server picks changes up while running). */
export function writeUserSettings(userDataDir, settings) {
  const file = join(userDataDir, 'User', 'settings.json');
  mkdirSync(dirname(file), { recursive: true });
  const old = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  writeFileSync(file, `${JSON.stringify({ ...old, ...settings }, null, 2)}\n`);
  return file;
}

/**
 * Starts code-server on a free port with the given profile and workspace; resolves once it answers HTTP.
 * Its output goes to logFile. stop() ends it (and its extension host) by process group.
 */
export async function startCodeServer({ entry, userDataDir, extensionsDir, workspace, logFile, timeoutMs = 90_000 }) {
  const port = await freePort();
  mkdirSync(dirname(logFile), { recursive: true });
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, [entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry',
    '--disable-update-check', '--disable-workspace-trust', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, workspace],
  { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  child.once('exit', (code, signal) => { exited = `exit ${code ?? signal}`; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (exited) throw new Error(`e2e: code-server ended before answering (${exited}); see ${logFile}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      stopGroup(child);
      throw new Error(`e2e: code-server did not answer on ${url} within ${timeoutMs / 1000} s; see ${logFile}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return {
    url,
    port,
    /** Ends code-server and every process it started; resolves when it has exited. */
    async stop() {
      if (exited) return;
      const done = new Promise((r) => child.once('exit', r));
      stopGroup(child);
      const killer = setTimeout(() => stopGroup(child, 'SIGKILL'), 10_000);
      await done;
      clearTimeout(killer);
      log.end();
    },
  };
}

function stopGroup(child, signal = 'SIGTERM') {
  try {
    process.kill(-child.pid, signal); // the group: code-server, its extension host and our extraction workers
  } catch { /* already gone */ }
}
