// Where an analysis opens: the one rule the CLI's reports and the session child share.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { outOfCoreOrInMemory } from '../../src/engine/analysis/streamed/outOfCoreOrInMemory';
import { StreamedHeadError } from '../../src/engine/analysis/streamed/streamedSession';

const calls: string[] = [];
const outOfCore = (fail?: Error) => async () => { calls.push('out'); if (fail) throw fail; return 'out'; };
const inMemory = async () => { calls.push('mem'); return 'mem'; };

test('a fitted head asked for opens in memory without trying out of core', async () => {
  calls.length = 0;
  assert.equal(await outOfCoreOrInMemory('fit', outOfCore(), inMemory), 'mem');
  assert.deepEqual(calls, ['mem']);
});

test('the model head opens out of core; a head the streamed open cannot serve falls back, by name across processes', async () => {
  calls.length = 0;
  assert.equal(await outOfCoreOrInMemory('auto', outOfCore(), inMemory), 'out');
  const crossed = Object.assign(new Error('needs a fitted head'), { name: 'StreamedHeadError' });
  assert.equal(await outOfCoreOrInMemory('auto', outOfCore(crossed), inMemory), 'mem');
  assert.equal(await outOfCoreOrInMemory(undefined, outOfCore(new StreamedHeadError('x')), inMemory), 'mem');
  assert.deepEqual(calls, ['out', 'out', 'mem', 'out', 'mem']);
});

test('any other failure of the out-of-core open is the error, not a silent in-memory open', async () => {
  calls.length = 0;
  await assert.rejects(outOfCoreOrInMemory('model', outOfCore(new Error('cache unreadable')), inMemory), /cache unreadable/);
  assert.deepEqual(calls, ['out']);
});
