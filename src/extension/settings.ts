import * as vscode from 'vscode';
import { DEFAULT_GAP_K } from '../core/gap';
import type { Grouping, HeadMode } from '../core/vocabulary';

/** The extension's settings, read fresh each time a job starts so edits apply without a reload. */
export interface LensSettings {
  modelPath: string;
  headMode: HeadMode;
  grouping: Grouping;
  threads: number;
  topFeatures: number;
  gapK: number;
  tuneK: number;
  gapThreshold: number;
  cacheLocation: 'workspaceStorage' | 'dataset';
  pixelLimit: number;
  /** Extraction precision (engine/extract/precision.ts). */
  precision: 'float32' | 'int8';
  /** Object masks for suggestions (absolute or relative to the dataset root; empty: <dataset>/masks). */
  masksFolder: string;
  /** A foreground segmentation ONNX model for suggestions instead of masks (empty: none). */
  segmenterPath: string;
}

/** Reads `spuriosityLens.*`; in an untrusted workspace the model path from workspace settings is ignored. */
export function readSettings(): LensSettings {
  const c = vscode.workspace.getConfiguration('spuriosityLens');
  let modelPath = c.get<string>('modelPath', '');
  if (!vscode.workspace.isTrusted) {
    // restrictedConfigurations already hides workspace values from get(); inspect() makes the rule explicit.
    const inspected = c.inspect<string>('modelPath');
    modelPath = inspected?.globalValue ?? '';
  }
  // a segmenter is code-like (a model run on the user's images), so it follows modelPath's trust rule
  const segmenter = c.inspect<string>('segmenterPath');
  const segmenterPath = vscode.workspace.isTrusted ? c.get<string>('segmenterPath', '') : segmenter?.globalValue ?? '';
  return {
    modelPath,
    headMode: c.get<HeadMode>('headMode', 'auto'),
    grouping: c.get<Grouping>('grouping', 'predicted'),
    threads: c.get<number>('threads', 0),
    topFeatures: c.get<number>('topFeatures', 5),
    gapK: c.get<number>('gapK', DEFAULT_GAP_K),
    tuneK: c.get<number>('tuneK', 100),
    gapThreshold: c.get<number>('gapThreshold', 5),
    cacheLocation: c.get<'workspaceStorage' | 'dataset'>('cacheLocation', 'workspaceStorage'),
    pixelLimit: c.get<number>('pixelLimit', 100_000_000),
    precision: c.get<'float32' | 'int8'>('precision', 'float32') === 'int8' ? 'int8' : 'float32',
    masksFolder: c.get<string>('masksFolder', ''),
    segmenterPath,
  };
}
