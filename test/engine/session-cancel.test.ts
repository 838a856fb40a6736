// Cancelling the session child while it extracts: the child stops after its current batch and finishes its cache
// writes before it exits, so every image the last progress reported done is in the cache a resume reads (the host's
// "stopped: N of M images cached" message states that number).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDataset } from '../../src/engine/analysis/openAnalysis';
import { openSessionInChild } from '../../src/engine/analysis/streamed/sessionClient';
import type { ExtractProgress } from '../../src/engine/extract/types';
import { demoFixture } from '../helpers/cli';

const demo = demoFixture('session-cancel', { trainPerClass: 20, valPerClass: 10 });
const WORKER = resolve('src/engine/jobs/worker.ts');

test('a cancelled session child keeps every batch it reported done; the open rejects as cancelled', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'spl-session-cancel-'));
  const modelPath = resolve('models/demo/spurious-mnist.onnx');
  try {
    const dataset = await openDataset(demo.data, cacheDir);
    const request = { dataset, modelPath, cacheDir, threads: 1, annotations: { root: demo.data }, options: { bootstrap: 0 } };
    const stop = new AbortController();
    let last: ExtractProgress | null = null;
    await assert.rejects(openSessionInChild(WORKER, request, (p) => {
      if (p.phase === 'extracting' && p.done > p.cached) {
        last = p;
        stop.abort(); // right after a batch is reported done, as a user's Cancel between two progress updates
      }
    }, stop.signal), (e: Error) => e.name === 'AbortError');
    assert.ok(last, 'extraction reported a batch before the cancel');
    const reported = (last as ExtractProgress).done - (last as ExtractProgress).failed;
    assert.ok(reported < (last as ExtractProgress).total, 'cancelled before the end');
    // the resume: everything reported done comes from the cache
    let resumed: ExtractProgress | null = null;
    const child = await openSessionInChild(WORKER, request, (p) => { if (p.phase === 'done' || resumed === null || p.cached >= resumed.cached) resumed = p; });
    await child.close();
    assert.ok(resumed && (resumed as ExtractProgress).cached >= reported, `${reported} reported cached at the cancel, ${(resumed as ExtractProgress | null)?.cached} read from the cache`);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
