import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import type { TuningSummary } from '../engine/api/reports';
import { writeAtomic } from '../engine/api/stores';
import type { Ranked } from './controller';
import { outsideDataset } from './controller';

const METHOD_LABEL: Record<string, string> = { 'low-spuriosity': 'Low-spuriosity tuning', random: 'Random-image tuning', error: 'Error tuning' };

/**
 * Asks for a file (beside the dataset, not inside it, by default), then writes the report: HTML with embedded
 * thumbnails and the tuning results, Markdown, or JSON (the CLI's rank and gap documents together).
 */
export async function exportReport(r: Ranked): Promise<void> {
  const name = basename(r.root).replace(/\.(csv|jsonl)$/i, '');
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(join(outsideDataset(r.root), `spuriosity-report-${name}.html`)),
    filters: { 'HTML (self-contained, with thumbnails)': ['html'], Markdown: ['md'], JSON: ['json'] },
    title: 'Export Spuriosity Report',
  });
  if (!target) return;
  const path = target.fsPath.toLowerCase();
  const tuning: TuningSummary[] = r.mitigation.state.results.map((t) => ({
    ...t, method: METHOD_LABEL[t.method] ?? t.method, exported: r.mitigation.exported.filter((e) => e.method === t.method).map((e) => e.path),
  }));
  // every format comes from the session child: this process holds no feature (the HTML report's thumbnails are
  // read from, or made into, the gallery's thumbnail folder by the child)
  const body = path.endsWith('.json')
    ? `${JSON.stringify({ rank: await r.session.ask({ kind: 'rankReport' }), gap: await r.session.ask({ kind: 'gapReport' }) }, null, 2)}\n`
    : path.endsWith('.md') ? await r.session.ask<string>({ kind: 'markdownReport' })
      : await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Spuriosity Lens: writing the report' },
        async () => r.session.ask<string>({ kind: 'htmlReport', thumbs: { dir: r.thumbs.dir, decode: r.thumbs.decode, size: r.thumbs.size }, tuning }));
  await writeAtomic(target.fsPath, body);
  const open = await vscode.window.showInformationMessage(`Spuriosity Lens: report written to ${target.fsPath}`, path.endsWith('.html') ? 'Open in Browser' : 'Open');
  if (open === 'Open in Browser') await vscode.env.openExternal(target);
  else if (open) await vscode.window.showTextDocument(target);
}
