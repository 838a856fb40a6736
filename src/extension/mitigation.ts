import type { TuningMethod } from '../core/tuningSet';
import type { AnalysisSession } from '../engine/analysis/session';
import { tuneHead } from '../engine/analysis/tune';
import type { OrtTuneRunner } from '../engine/train/tuneProblem';
import { headJson, writeHeadNpy } from '../engine/export/headFiles';
import { writeAtomic } from '../engine/fs/writeAtomic';
import { writeModelWithHead } from '../engine/model/swapHead';
import type { ExportKind, MitigationMethod, MitigationPoint, MitigationResult } from '../shared/protocol';
import type { LinearHead } from '../core/types';

/** The last tuned head, kept for export. */
export interface TunedHead {
  method: MitigationMethod;
  head: LinearHead;
  labels: string[];
}

const CORE_METHOD: Record<MitigationMethod, TuningMethod> = { 'low-spuriosity': 'low', random: 'random', error: 'error' };

/**
 * Runs one fine-tuning method on the session's head, reporting each epoch as a protocol point. Large tuning sets
 * go to `ortRunner` (ONNX Runtime in a child process); small ones stay in JavaScript on this thread, yielding.
 */
export async function runMitigationJob(
  s: AnalysisSession, method: MitigationMethod, opts: { k: number; gapThreshold: number; signal: AbortSignal; ortRunner?: OrtTuneRunner },
  onPoint: (p: MitigationPoint, maxEpochs: number) => void,
): Promise<{ result: MitigationResult; tuned: TunedHead }> {
  const out = await tuneHead(s, CORE_METHOD[method], {
    k: opts.k, threshold: opts.gapThreshold, signal: opts.signal, ortRunner: opts.ortRunner,
    onEpoch: (r, schedule) => onPoint({ epoch: r.epoch, accuracy: r.valAccuracy, gap: Number.isFinite(r.meanGap) ? r.meanGap : null }, schedule.epochs),
  });
  const point = (r: typeof out.result.before): MitigationPoint => ({ epoch: r.epoch, accuracy: r.valAccuracy, gap: Number.isFinite(r.meanGap) ? r.meanGap : null });
  return {
    result: {
      method,
      before: point(out.result.before),
      after: point(out.result.after),
      epochs: out.result.after.epoch,
      stoppedEarly: out.result.stoppedBecause === 'below-threshold',
      trainImages: out.tuningImages,
    },
    tuned: { method, head: out.head, labels: s.classNames },
  };
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
