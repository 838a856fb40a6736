import { basename, join } from 'node:path';
import * as vscode from 'vscode';
import { gapReport, rankReport } from '../engine/analysis/report';
import type { AnalysisSession } from '../engine/analysis/session';
import { writeAtomic } from '../engine/fs/writeAtomic';
import { markdownReport } from '../engine/analysis/markdownReport';

/** Asks for a file, then writes the dataset's report: JSON (the CLI's rank and gap documents together) or Markdown. */
export async function exportReport(s: AnalysisSession, root: string): Promise<void> {
  const target = await vscode.window.showSaveDialog({
    defaultUri: vscode.Uri.file(join(root, `spuriosity-report-${basename(root)}.md`)),
    filters: { Markdown: ['md'], JSON: ['json'] },
    title: 'Export Spuriosity Report',
  });
  if (!target) return;
  const body = target.fsPath.toLowerCase().endsWith('.json')
    ? `${JSON.stringify({ rank: rankReport(s), gap: gapReport(s) }, null, 2)}\n`
    : markdownReport(s);
  await writeAtomic(target.fsPath, body);
  const open = await vscode.window.showInformationMessage(`Spuriosity Lens: report written to ${target.fsPath}`, 'Open');
  if (open) await vscode.window.showTextDocument(target);
}
