import { basename } from 'node:path';
import * as vscode from 'vscode';
import type { LensController } from './controller';
import type { KnownDataset, KnownModel } from './storage';

/** A dataset row, or one of its models. */
type Node = { kind: 'dataset'; dataset: KnownDataset } | { kind: 'model'; dataset: KnownDataset; model: KnownModel };

/**
 * The Spuriosity view: the workspace's ranked datasets (most recent first) and the models each was ranked with. A
 * click shows that analysis in the panel (from memory, or reopened from the feature cache); a ranking in progress
 * shows its percent.
 */
export class DatasetsView implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  static readonly viewId = 'spuriosityLens.datasets';
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly lens: LensController) {
    this.subs = [lens.onDidChange(() => this.changed.fire(undefined)), lens.known.onDidChange(() => this.changed.fire(undefined))];
  }

  getChildren(node?: Node): Node[] {
    const known = this.lens.known.details();
    // a dataset being ranked for the first time is listed before it is remembered
    for (const j of this.lens.runningJobs()) if (!known.some((k) => k.root === j.root)) known.unshift({ root: j.root, models: [] });
    if (!node) return known.map((dataset) => ({ kind: 'dataset', dataset }));
    if (node.kind === 'dataset') return node.dataset.models.map((model) => ({ kind: 'model', dataset: node.dataset, model }));
    return [];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const active = this.lens.active;
    const root = node.dataset.root;
    const job = this.lens.runningJobs().find((j) => j.root === root && (node.kind === 'dataset' || j.modelPath === node.model.path));
    const pct = job?.progress?.total ? ` ${Math.floor((100 * job.progress.done) / job.progress.total)}%` : '';
    if (node.kind === 'model') {
      const shown = active?.root === root && active.modelPath === node.model.path;
      const item = new vscode.TreeItem(node.model.name, vscode.TreeItemCollapsibleState.None);
      item.id = `model:${root}\u0000${node.model.path}`;
      item.description = job ? `ranking…${pct}` : shown ? 'shown' : this.lens.isOpen(root, node.model.path) ? 'open' : '';
      item.tooltip = node.model.path;
      item.iconPath = new vscode.ThemeIcon(job ? 'sync~spin' : 'file-binary');
      item.contextValue = 'spuriosityModel';
      item.command = { command: 'spuriosityLens.showDataset', title: 'Show', arguments: [root, node.model.path] };
      return item;
    }
    const shown = active?.root === root;
    const item = new vscode.TreeItem(basename(root), node.dataset.models.length ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = `dataset:${root}`;
    const images = node.dataset.images === undefined ? '' : `${node.dataset.images.toLocaleString('en-US')} images`;
    item.description = job ? `ranking…${pct}` : [shown ? 'shown' : this.lens.isOpen(root) ? 'open' : '', images].filter(Boolean).join(' · ');
    item.tooltip = new vscode.MarkdownString(`**${basename(root)}**\n\n${root}${images ? `\n\n${images}` : ''}\n\nClick to show it in the panel.`);
    item.iconPath = new vscode.ThemeIcon(job ? 'sync~spin' : shown ? 'eye' : 'database');
    item.contextValue = 'spuriosityDataset';
    item.resourceUri = vscode.Uri.file(root);
    item.command = { command: 'spuriosityLens.showDataset', title: 'Show', arguments: [root] };
    return item;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.changed.dispose();
  }
}
