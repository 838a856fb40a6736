// Extraction progress on stderr: a cli-progress bar on a terminal, nothing otherwise (logs stay clean).
import { SingleBar } from 'cli-progress';
import type { ExtractProgress } from '../engine/api/extraction';

const PHASES: Record<ExtractProgress['phase'], string> = {
  'loading-model': 'loading model',
  'scanning-cache': 'reading cache',
  extracting: 'extracting',
  done: 'done',
};

/** A progress callback and a stop function; a no-op unless stderr is a TTY. */
export function progressBar(enabled = process.stderr.isTTY === true): { update(p: ExtractProgress): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    stream: process.stderr,
    format: '{phase} |{bar}| {value}/{total} | {rate} img/s | ETA {etaText} | {cached} cached, {failed} failed',
    hideCursor: true,
    clearOnComplete: true,
    etaBuffer: 50,
  });
  let started = false;
  return {
    update(p) {
      const payload = {
        phase: PHASES[p.phase].padEnd(13),
        rate: p.imagesPerSecond.toFixed(1),
        etaText: p.etaSeconds === null ? '--' : `${Math.ceil(p.etaSeconds)}s`,
        cached: p.cached,
        failed: p.failed,
      };
      if (!started) {
        bar.start(Math.max(1, p.total), p.done, payload);
        started = true;
      } else {
        bar.setTotal(Math.max(1, p.total));
        bar.update(p.done, payload);
      }
    },
    stop() {
      if (started) bar.stop();
    },
  };
}
