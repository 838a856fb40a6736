import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { TuneCheck } from '../engine/api/analysis';
import type { SessionHandle, TuneAnswer, TuneEvent } from '../engine/api/sessionChild';
import { headJson, parseHeadJson, writeHeadNpy, writeAtomic, writeModelWithHead } from '../engine/api/stores';
import type { ExportKind, TuningMethod, MitigationPoint, MitigationResult, MitigationState } from '../shared/protocol';
import type { LinearHead } from '../core/types';

/** The last tuned head, kept for export. */
export interface TunedHead {
  method: TuningMethod;
  head: LinearHead;
  labels: string[];
}

/**
 * Runs one fine-tuning method on the session's head in the session's process (out of core there: only the tuning and
 * validation rows are read), reporting each epoch as a protocol point; the host gets the tuned head, never a feature.
 */
export async function runMitigationJob(
  s: SessionHandle, method: TuningMethod, opts: { k: number; gapThreshold: number; signal: AbortSignal; threads?: number },
  onPoint: (p: MitigationPoint, maxEpochs: number) => void,
): Promise<{ result: MitigationResult; tuned: TunedHead }> {
  const out = await s.ask<TuneAnswer>({ kind: 'tune', method, k: opts.k, threshold: opts.gapThreshold, threads: opts.threads }, {
    signal: opts.signal,
    onEvent: (v) => {
      const { record: r, schedule } = v as TuneEvent;
      onPoint({ epoch: r.epoch, accuracy: r.valAccuracy, gap: Number.isFinite(r.meanGap) ? r.meanGap : null }, schedule.epochs);
    },
  });
  const point = (r: typeof out.result.before): MitigationPoint => ({ epoch: r.epoch, accuracy: r.valAccuracy, gap: Number.isFinite(r.meanGap) ? r.meanGap : null });
  return {
    result: {
      method,
      before: point(out.result.before),
      after: point(out.result.after),
      epochs: out.result.after.epoch,
      stoppedEarly: out.result.stoppedBecause === 'below-threshold',
      stoppedBecause: out.result.stoppedBecause,
      optimizer: out.result.schedule.optimizer,
      trainImages: out.tuningImages,
    },
    tuned: { method, head: out.head, labels: out.labels },
  };
}

/** The session's check of a planned run (see engine/analysis/tuneGuard). */
export function tuneCheck(s: SessionHandle, method: TuningMethod, opts: { k: number; gapThreshold: number }): Promise<TuneCheck> {
  return s.ask<TuneCheck>({ kind: 'tuneCheck', method, k: opts.k, threshold: opts.gapThreshold });
}

/** Writes the tuned head as JSON, .npy, or the original ONNX model with the head swapped in. */
export async function exportTunedHead(t: TunedHead, kind: ExportKind, path: string, modelPath: string): Promise<void> {
  switch (kind) {
    case 'head-json':
      await writeAtomic(path, headJson(t.head, t.labels, { method: t.method }));
      return;
    case 'head-npy':
      await writeHeadNpy(t.head, path);
      return;
    case 'onnx':
      await writeModelWithHead(modelPath, t.head, path, { labels: t.labels });
      return;
  }
}

/** What survives a window reload of one dataset + model's fine-tuning: the panel's history and results, and the exports. */
export interface SavedMitigation {
  state: MitigationState;
  /** Files written by Export, newest first. */
  exported: Array<{ method: TuningMethod; kind: ExportKind; path: string }>;
}

/**
 * Fine-tuning results per dataset and model in workspaceState, and the tuned heads as JSON files in the cache folder
 * (so Export still works after a reload without tuning again).
 */
export class MitigationMemory {
  constructor(private readonly state: vscode.Memento) {}

  private key(root: string, modelSha: string): string {
    return `spuriosityLens.mitigation:${modelSha.slice(0, 16)}:${root}`;
  }

  /** The saved results, or an empty state. */
  load(root: string, modelSha: string): SavedMitigation {
    const saved = this.state.get<SavedMitigation>(this.key(root, modelSha));
    if (!saved) return { state: { running: null, maxEpochs: 0, history: [], results: [] }, exported: [] };
    return { state: { ...saved.state, running: null }, exported: saved.exported ?? [] };
  }

  /** Saves results (a running job is saved as not running). */
  async save(root: string, modelSha: string, m: SavedMitigation): Promise<void> {
    await this.state.update(this.key(root, modelSha), { state: { ...m.state, running: null }, exported: m.exported.slice(0, 20) });
  }
}

/** Where the last tuned head of a method is kept between reloads. */
function headFile(cacheDir: string, method: TuningMethod): string {
  return join(cacheDir, 'tuned', `head-${method}.json`);
}

/** Keeps a tuned head on disk for Export after a reload. */
export async function saveTunedHead(cacheDir: string, t: TunedHead): Promise<void> {
  await writeAtomic(headFile(cacheDir, t.method), headJson(t.head, t.labels, { method: t.method }));
}

/** The tuned head of a method saved by saveTunedHead, if its shape still fits the session's head. */
export async function loadTunedHead(cacheDir: string, method: TuningMethod, fits: Pick<LinearHead, 'classes' | 'dim'>): Promise<TunedHead | undefined> {
  try {
    const file = headFile(cacheDir, method);
    const j = parseHeadJson(await readFile(file, 'utf8'), file);
    if (j.head.classes !== fits.classes || j.head.dim !== fits.dim) return undefined;
    return { method, labels: j.labels, head: j.head };
  } catch {
    return undefined;
  }
}

/**
 * Asks before a run: refuses with the reason when tuning cannot change the head (no ranked class, the gap already
 * under the threshold), and has the user confirm when k covers whole classes. True when tuning should go ahead.
 */
export async function confirmTuning(check: TuneCheck): Promise<boolean> {
  if (check.refusal) {
    const a = await vscode.window.showWarningMessage(`Spuriosity Lens: not fine-tuning. ${check.refusal}`, 'Open Settings');
    if (a) await vscode.commands.executeCommand('workbench.action.openSettings', check.refusal.includes('threshold') ? 'spuriosityLens.gapThreshold' : 'spuriosityLens');
    return false;
  }
  if (check.warnings.length) {
    const a = await vscode.window.showWarningMessage(`Spuriosity Lens: ${check.warnings.join(' ')}`, { modal: true }, 'Tune Anyway', 'Open Settings');
    if (a === 'Open Settings') await vscode.commands.executeCommand('workbench.action.openSettings', 'spuriosityLens.tuneK');
    return a === 'Tune Anyway';
  }
  return true;
}
