// Image decoding on worker threads. onnxruntime-node runs a batch synchronously on the thread
// that calls run(), and decodeInto's last steps (PIL-exact upscaling of small images, crop and
// normalisation) are JavaScript: on one thread the two serialise and the model waits for
// images. Decode threads keep that work off the inference thread.
//
// A worker thread needs an entry script. Bundles have one file per entry, so an entry that can
// host decode threads (dist/extractWorker.js, dist/cli.js) calls `hostDecodeThreads()` first:
// in a decode thread that serves decodes (and the entry must do nothing else); in the main
// thread it marks the entry as able to start them, with itself (process.argv[1]) as the script.
// Elsewhere (tests running the pipeline in-process, the extension host) decoding stays inline.
import { isMainThread, parentPort, workerData, Worker } from 'node:worker_threads';
import { resolve } from 'node:path';
import type { Preprocess } from '../model/types';
import type { ExtractDeps } from './types';

const ROLE = 'spuriosity-decode-thread';
let hostScript: string | null = null;

interface DecodeRequest { id: number; path: string; pre: Preprocess; pixelLimit: number }
type DecodeReply = { id: number; data: Float32Array } | { id: number; error: { name: string; message: string; reason?: string } };

/** Call first in an entry script: returns true in a decode thread (serve only), false in the main thread. */
export function hostDecodeThreads(): boolean {
  if (!isMainThread && (workerData as { role?: string } | null)?.role === ROLE) {
    serve();
    return true;
  }
  if (isMainThread && process.argv[1]) hostScript = resolve(process.argv[1]);
  return false;
}

function serve(): void {
  const port = parentPort!;
  const sharpAdapter = import('../native/sharp');
  port.on('message', (req: DecodeRequest) => {
    void (async () => {
      const { decodeInto } = await sharpAdapter;
      const out = new Float32Array(3 * req.pre.crop * req.pre.crop);
      try {
        await decodeInto(req.path, req.pre, out, 0, { pixelLimit: req.pixelLimit });
        port.postMessage({ id: req.id, data: out } satisfies DecodeReply, [out.buffer]);
      } catch (e) {
        const err = e as Error & { reason?: string };
        port.postMessage({ id: req.id, error: { name: err.name, message: err.message, reason: err.reason } } satisfies DecodeReply);
      }
    })();
  });
}

/** A decodeInto that runs on worker threads, and a close() that stops them. */
export interface DecodePool {
  decodeInto: ExtractDeps['decodeInto'];
  close(): Promise<void>;
}

function spawn(script: string): Worker {
  const options = { workerData: { role: ROLE } };
  // Sources run through tsx (tests): a worker cannot load a .ts entry itself on Node 20, so
  // it registers tsx's CommonJS hooks first.
  if (script.endsWith('.ts')) return new Worker(`require('tsx/cjs'); require(${JSON.stringify(script)});`, { ...options, eval: true });
  return new Worker(script, options);
}

/**
 * Starts `threads` decode threads when the entry hosts them; null otherwise (decode inline).
 * If a thread dies (it failed to start, or crashed), its images and all later ones are decoded
 * with `fallback` on the calling thread: slower, but the run goes on.
 */
export function startDecodePool(threads: number, fallback: ExtractDeps['decodeInto']): DecodePool | null {
  if (!hostScript || threads < 1) return null;
  const script = hostScript;
  interface Pending { resolve: () => void; reject: (e: Error) => void; out: Float32Array; offset: number; retry: () => Promise<void> }
  const pending = new Map<number, Pending>();
  const inFlight: number[] = [];
  let nextId = 0;
  let broken = false;
  let closing = false;
  const workers = Array.from({ length: threads }, (_, w) => {
    const worker = spawn(script);
    inFlight[w] = 0;
    worker.on('message', (reply: DecodeReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      inFlight[w]--;
      if ('data' in reply) {
        p.out.set(reply.data, p.offset);
        p.resolve();
      } else {
        p.reject(Object.assign(new Error(reply.error.message), { name: reply.error.name, reason: reply.error.reason }));
      }
    });
    const breakPool = (): void => {
      if (closing) return;
      broken = true;
      for (const [id, p] of pending) {
        pending.delete(id);
        p.retry().then(p.resolve, p.reject);
      }
    };
    worker.on('error', breakPool);
    worker.on('exit', breakPool);
    return worker;
  });
  return {
    decodeInto(path, pre, out, offset, opts) {
      const retry = (): Promise<void> => fallback(path, pre, out, offset, opts);
      if (broken) return retry();
      // The least busy thread gets the image.
      let w = 0;
      for (let i = 1; i < workers.length; i++) if (inFlight[i] < inFlight[w]) w = i;
      inFlight[w]++;
      const id = nextId++;
      return new Promise<void>((resolveDecode, reject) => {
        pending.set(id, { resolve: resolveDecode, reject, out, offset, retry });
        workers[w].postMessage({ id, path, pre: { resize: pre.resize, crop: pre.crop, mean: pre.mean, std: pre.std }, pixelLimit: opts.pixelLimit } satisfies DecodeRequest);
      });
    },
    async close() {
      closing = true;
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}
