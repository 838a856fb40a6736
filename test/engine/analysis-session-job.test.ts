// The out-of-core session as a job of the child-process host: the answers through the real worker entry equal the
// same queries on a session in this process, labels persist through the child, and close ends the child.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openDataset } from '../../src/engine/analysis/openAnalysis';
import { StreamedSession } from '../../src/engine/analysis/streamed/streamedSession';
import { answer, type SessionQuery } from '../../src/engine/analysis/streamed/sessionJob';
import { openSessionInChild } from '../../src/engine/analysis/streamed/sessionClient';
import { openLabelStore } from '../../src/engine/analysis/fileLabelStore';
import { demoFixture } from '../helpers/cli';

const demo = demoFixture('session-job', { trainPerClass: 20, valPerClass: 10 });
const WORKER = resolve('src/engine/jobs/worker.ts');

test('session job in a child answers like the session in process; labels go to the annotation file; close ends it', async () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'spl-session-job-'));
  const modelPath = resolve('models/demo/spurious-mnist.onnx');
  try {
    const dataset = await openDataset(demo.data, cacheDir);
    const progress: string[] = [];
    const child = await openSessionInChild(WORKER, { dataset, modelPath, cacheDir, threads: 1, annotations: { root: demo.data }, options: { bootstrap: 50 } }, (p) => progress.push(p.phase));
    assert.ok(progress.includes('done'), 'extraction progress reaches the host');
    const local = await StreamedSession.open({ dataset, modelPath, cacheDir, threads: 1, openLabels: (m) => openLabelStore(demo.data, m), options: { bootstrap: 50 } });
    const overview = await child.ask<{ classNames: string[]; datasetClassIds: number[] }>({ kind: 'overview' });
    const cls = overview.datasetClassIds[2];
    const feature = local.importance[cls].top[0];
    const queries: SessionQuery[] = [
      { kind: 'overview' },
      { kind: 'featureCards', cls },
      { kind: 'classPage', request: { cls, split: 'val', order: 'desc', offset: 0, count: 6 } },
    ];
    for (const q of queries) assert.deepEqual(await child.ask(q), await answer(local, q), q.kind);
    const label: SessionQuery = { kind: 'setLabel', cls: overview.classNames[cls], feature, verdict: { label: 'spurious' } };
    const changed = await child.ask<{ gaps: { classes: unknown[] } }>(label);
    assert.equal(changed.gaps.classes.length, 1, 'the labelled class is ranked and measured');
    // the child wrote the label: a session opened afterwards reads it
    const after = await StreamedSession.open({ dataset, modelPath, cacheDir, threads: 1, openLabels: (m) => openLabelStore(demo.data, m), options: { bootstrap: 50 } });
    assert.deepEqual(after.spuriosity.spurious[cls], [feature]);
    for (const q of [{ kind: 'gapReport' }, { kind: 'classPage', request: { cls, split: 'val', order: 'asc', offset: 2, count: 5 } }] as SessionQuery[]) {
      assert.deepEqual(await child.ask(q), await answer(after, q), q.kind);
    }
    const id = after.entries[after.index.val[cls][0]].rel;
    assert.deepEqual(await child.ask({ kind: 'imageDetail', id }), await answer(after, { kind: 'imageDetail', id }));
    await assert.rejects(child.ask({ kind: 'imageDetail', id: 'no/such.png' }), /not an image of the analysed dataset/);
    await child.close();
    await assert.rejects(child.ask({ kind: 'overview' }), /worker (exited|was killed)/);
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
