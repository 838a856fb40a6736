import type * as vscode from 'vscode';
import type { LabelOrigin } from '../../core/annotations';
import type { SessionHandle, SessionOverview } from '../../engine/api/sessionChild';
import type { ImageEntry } from '../../engine/api/extraction';
import type { HeatmapCache, ThumbnailCache } from '../../engine/api/stores';
import type { CancelTarget, ExportKind, FeatureLabel, TuningMethod, PanelState, SpuriousSubtype } from '../../shared/protocol';
import type { AnalysisActions } from '../analyses/actions';

/** What the panel needs from the extension: the current analysis, its caches, and the long jobs it can start. */
export interface PanelBackend {
  readonly extensionUri: vscode.Uri;
  /** Folders the webview may load from: dist/, media/ and the thumbnail/heatmap caches. */
  resourceRoots(): vscode.Uri[];
  /** The analysis session (in the session child: the host asks it for pages, cards, details; it holds no feature). */
  session(): SessionHandle | undefined;
  /** The session's last overview (per-class facts only). */
  overview(): SessionOverview | undefined;
  /** Records images an answer named, so later webview requests naming them resolve without asking the child. */
  remember(entries: ImageEntry[]): void;
  state(): PanelState | undefined;
  thumbs(): ThumbnailCache | undefined;
  /** Larger previews for the detail view. */
  previews(): ThumbnailCache | undefined;
  heatmaps(): HeatmapCache | undefined;
  /** The dataset image with this id (path relative to the root); undefined, and a logged refusal, for anything else. */
  entry(id: string): ImageEntry | undefined;
  /** Saves a label; `origin` marks an accepted machine suggestion (absent: a person's label). */
  setLabel(cls: string, feature: number, label: FeatureLabel | null, subtype?: SpuriousSubtype, origin?: LabelOrigin): Promise<void>;
  /** The mask suggestions file of the labeled model (beside its annotations), or undefined when there is none to read. */
  suggestionsPath?(): string | undefined;
  runMitigation(method: TuningMethod): Promise<void>;
  cancel(target: CancelTarget): void;
  exportHead(kind: ExportKind): Promise<void>;
  /** Core crops, feature sensitivity and model comparison. */
  readonly analyses: AnalysisActions;
}
