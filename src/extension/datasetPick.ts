import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import * as vscode from 'vscode';

/** Folders under a workspace folder offered as datasets (one level down: a workspace often holds several datasets). */
const MAX_SUBFOLDERS = 40;
const NOT_DATASETS = new Set(['node_modules', 'dist', 'out', 'build', '__pycache__']);

type Item = vscode.QuickPickItem & { path?: string; browse?: true };

/** The workspace folders and their sub-folders (hidden and build folders left out), as absolute paths. */
export function workspaceCandidates(folders: readonly string[] = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.fsPath)): string[] {
  const out: string[] = [];
  for (const f of folders) {
    out.push(f);
    let names: string[] = [];
    try {
      names = readdirSync(f, { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('.') && !NOT_DATASETS.has(d.name)).map((d) => d.name).sort();
    } catch { /* an unreadable workspace folder offers only itself */ }
    out.push(...names.slice(0, MAX_SUBFOLDERS).map((n) => join(f, n)));
  }
  return out;
}

/**
 * Asks which dataset to rank: recently ranked datasets first, then the workspace's folders, then Browse… (a folder or
 * a .csv/.jsonl manifest anywhere). Undefined when the user dismisses it.
 */
export async function pickDataset(recent: readonly string[], title = 'Spuriosity Lens: rank which dataset?'): Promise<string | undefined> {
  const items: Item[] = [];
  const seen = new Set<string>();
  const add = (path: string, detail: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    items.push({ label: `$(folder) ${basename(path)}`, description: path, detail, path });
  };
  if (recent.length) items.push({ label: 'Recently ranked', kind: vscode.QuickPickItemKind.Separator });
  for (const r of recent) add(r, 'ranked before: opens from the feature cache');
  const ws = workspaceCandidates().filter((p) => !seen.has(p));
  if (ws.length) items.push({ label: 'Workspace', kind: vscode.QuickPickItemKind.Separator });
  for (const p of ws) add(p, '');
  items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(folder-opened) Browse…', detail: 'A dataset folder or a .csv/.jsonl manifest anywhere on disk', browse: true });
  const pick = await vscode.window.showQuickPick(items, { title, placeHolder: 'A folder of class folders (optionally under train/ and val/), or a manifest', matchOnDescription: true });
  if (!pick) return undefined;
  if (pick.path) return pick.path;
  const chosen = await vscode.window.showOpenDialog({
    canSelectFolders: true, canSelectFiles: true, canSelectMany: false, title: 'Choose a dataset folder or manifest',
    filters: { 'Dataset manifest': ['csv', 'jsonl'] }, defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return chosen?.[0]?.fsPath;
}
