import { createHash } from 'node:crypto';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { LensSettings } from './settings';

/** Where a dataset's features, thumbnails and heatmaps are cached: workspace storage by default, never the user's data unless asked. */
export function cacheDirFor(context: vscode.ExtensionContext, datasetRoot: string, settings: LensSettings): string {
  if (settings.cacheLocation === 'dataset') return join(datasetRoot, '.spuriosity');
  const base = context.storageUri ?? context.globalStorageUri;
  const id = createHash('sha1').update(datasetRoot).digest('hex').slice(0, 12);
  return join(base.fsPath, 'datasets', id);
}

/** A model a dataset was ranked with, as the Spuriosity view lists it. */
export interface KnownModel {
  path: string;
  /** The model card's name, or the file name. */
  name: string;
}

/** One ranked dataset as remembered: its root and the models it was ranked with, most recent first. */
export interface KnownDataset {
  root: string;
  models: KnownModel[];
  /** Images found at the last ranking. */
  images?: number;
}

/** Datasets ranked in this workspace, most recent first, with their models; remembered across reloads. */
export class KnownDatasets {
  private static readonly key = 'spuriosityLens.knownDatasets';
  private static readonly detailKey = 'spuriosityLens.knownDatasetDetails';
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after touch or forget. */
  readonly onDidChange = this.changed.event;
  constructor(private readonly state: vscode.Memento) {}

  /** Roots, most recent first. */
  list(): string[] {
    return this.state.get<string[]>(KnownDatasets.key, []);
  }

  /** Roots with their models, most recent first. */
  details(): KnownDataset[] {
    const byRoot = new Map(this.state.get<KnownDataset[]>(KnownDatasets.detailKey, []).map((d) => [d.root, d]));
    return this.list().map((root) => byRoot.get(root) ?? { root, models: [] });
  }

  /** Moves a root (and its model) to the front. */
  async touch(root: string, model?: KnownModel, images?: number): Promise<void> {
    const rest = this.list().filter((r) => r !== root);
    const roots = [root, ...rest].slice(0, 20);
    const details = this.details().filter((d) => roots.includes(d.root));
    const mine = details.find((d) => d.root === root) ?? { root, models: [] };
    const updated: KnownDataset = {
      root,
      models: model ? [model, ...mine.models.filter((m) => m.path !== model.path)].slice(0, 10) : mine.models,
      images: images ?? mine.images,
    };
    await this.state.update(KnownDatasets.key, roots);
    await this.state.update(KnownDatasets.detailKey, [updated, ...details.filter((d) => d.root !== root)]);
    this.changed.fire();
  }

  /** Forgets a root (its caches stay on disk). */
  async forget(root: string): Promise<void> {
    await this.state.update(KnownDatasets.key, this.list().filter((r) => r !== root));
    await this.state.update(KnownDatasets.detailKey, this.details().filter((d) => d.root !== root));
    this.changed.fire();
  }
}
