// The child-process side of the IPC protocol: runs one extraction or spatial-map job.
import { extractForTransfer } from './transferExtract';
import { spatialMaps } from './spatialMaps';
import { assertNever, isToWorker, serializeError, type FromWorker, type ToWorker } from './ipc';
import type { ExtractDeps } from './types';
import { BULK_THRESHOLD } from './bulkTransfer';
import { runCropJob } from '../crop/cropJob';
import { runSensitivityJob } from '../sensitivity/job';
import { runTuneJob } from '../train/tuneJob';
import { loadModel } from '../model/loadModel';

/** SPURIOSITY_BULK_THRESHOLD (bytes) overrides when results go through a file; tests set it to 0. */
function bulkThreshold(): number {
  const v = Number(process.env.SPURIOSITY_BULK_THRESHOLD);
  return process.env.SPURIOSITY_BULK_THRESHOLD !== undefined && Number.isFinite(v) && v >= 0 ? v : BULK_THRESHOLD;
}

function send(msg: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

/** Serves jobs from the parent over the IPC channel; exits once the job is answered (deps: injectable for tests). */
export function serveExtraction(deps?: ExtractDeps): void {
  if (!process.send) {
    process.stderr.write('extractWorker: this is a child-process entry; start it with child_process.fork\n');
    process.exit(2);
  }
  const controller = new AbortController();
  let busy = false;
  const finish = async (msg: FromWorker): Promise<void> => {
    await send(msg);
    process.disconnect?.();
    process.exit(0);
  };
  process.on('disconnect', () => {
    // The parent went away: stop at the next batch boundary; finished batches are on disk.
    controller.abort();
    setTimeout(() => process.exit(0), 100).unref();
  });
  process.on('message', (raw: unknown) => {
    if (!isToWorker(raw)) return;
    const msg: ToWorker = raw;
    switch (msg.type) {
      case 'cancel':
        controller.abort();
        return;
      case 'crop': {
        if (busy) return;
        busy = true;
        runCropJob({ ...msg.request, deps, signal: controller.signal, onProgress: (progress) => void send({ type: 'progress', progress }) })
          .then((result) => finish({ type: 'crop-result', result }), (e: unknown) => finish({ type: 'error', error: serializeError(e) }));
        return;
      }
      case 'sensitivity': {
        if (busy) return;
        busy = true;
        runSensitivityJob({ ...msg.request, deps, signal: controller.signal, onProgress: (progress) => void send({ type: 'progress', progress }) })
          .then((result) => finish({ type: 'sensitivity-result', result }), (e: unknown) => finish({ type: 'error', error: serializeError(e) }));
        return;
      }
      case 'tune': {
        if (busy) return;
        busy = true;
        runTuneJob(msg.request, { signal: controller.signal, onEpoch: (record, schedule) => void send({ type: 'tune-epoch', record, schedule }) })
          .then((result) => finish({ type: 'tune-result', result }), (e: unknown) => finish({ type: 'error', error: serializeError(e) }));
        return;
      }
      case 'model-info': {
        if (busy) return;
        busy = true;
        // the engine's loader itself (deps: a fake in tests); no ONNX Runtime session is created
        (deps?.loadModel ?? loadModel)(msg.request.modelPath)
          .then(({ info }) => finish({ type: 'model-info-result', result: info }), (e: unknown) => finish({ type: 'error', error: serializeError(e) }));
        return;
      }
      case 'extract':
      case 'spatial': {
        if (busy) return;
        busy = true;
        const job = msg.type === 'extract'
          ? extractForTransfer({ ...msg.request, deps, signal: controller.signal, onProgress: (progress) => void send({ type: 'progress', progress }) }, bulkThreshold())
              .then((sent): FromWorker => ({ type: 'extract-result', ...sent }))
          : spatialMaps({ ...msg.request, deps, signal: controller.signal }).then((result): FromWorker => ({ type: 'spatial-result', result }));
        job.then(finish, (e: unknown) => finish({ type: 'error', error: serializeError(e) }));
        return;
      }
      default:
        assertNever(msg);
    }
  });
}
