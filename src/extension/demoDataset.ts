import { fork } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { withJob } from './progress';

/** Folder name the demo dataset is written to inside the folder the user picks. */
export const DEMO_FOLDER = 'spurious-mnist';

/**
 * Asks for a folder and writes the demo benchmark (spurious MNIST, 2,500 images + probes, seeded: the same bytes as
 * `npm run demo`) into `<folder>/spurious-mnist`, with the generator shipped in dist/ (a child process: drawing
 * 2,900 images would hold the extension host's thread for seconds). Returns the dataset folder.
 */
export async function generateDemo(extensionUri: vscode.Uri, log: vscode.LogOutputChannel): Promise<string | undefined> {
  const ws = vscode.workspace.workspaceFolders?.[0]?.uri;
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true, canSelectFiles: false, canSelectMany: false, defaultUri: ws,
    title: `Spuriosity Lens: where to create the demo dataset (a "${DEMO_FOLDER}" folder is made inside)`, openLabel: 'Create Demo Dataset Here',
  });
  const parent = picked?.[0]?.fsPath;
  if (!parent) return undefined;
  const out = join(parent, DEMO_FOLDER);
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, 'params.json'))) {
    throw new Error(`${out} already exists and is not a demo dataset; choose another folder.`);
  }
  const script = vscode.Uri.joinPath(extensionUri, 'dist', 'demoGenerator.js').fsPath;
  await withJob('Spuriosity Lens: generating the demo dataset', (report, signal) => new Promise<void>((resolve, reject) => {
    const child = fork(script, ['--out', out], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], signal });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout?.on('data', (d: Buffer) => {
      for (const line of d.toString().split('\n')) {
        if (line.startsWith('log ')) {
          log.info(`demo: ${line.slice(4)}`);
          report({ message: line.slice(4) });
        }
      }
    });
    child.on('error', (e) => reject(e.name === 'AbortError' ? e : new Error(`the demo generator could not start (${e.message})`)));
    child.on('exit', (code) => (code === 0 ? resolve() : signal.aborted ? reject(Object.assign(new Error('cancelled'), { name: 'AbortError' })) : reject(new Error(`the demo generator failed: ${err.trim() || `exit code ${code}`}`))));
  }));
  log.info(`Demo dataset ready in ${out}`);
  return out;
}
