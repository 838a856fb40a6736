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

/** Datasets ranked in this workspace, most recent first; remembered across reloads. */
export class KnownDatasets {
  private static readonly key = 'spuriosityLens.knownDatasets';
  constructor(private readonly state: vscode.Memento) {}

  /** Roots, most recent first. */
  list(): string[] {
    return this.state.get<string[]>(KnownDatasets.key, []);
  }

  /** Moves a root to the front. */
  async touch(root: string): Promise<void> {
    const rest = this.list().filter((r) => r !== root);
    await this.state.update(KnownDatasets.key, [root, ...rest].slice(0, 20));
  }
}
