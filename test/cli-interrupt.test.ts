// The CLI's Ctrl-C wrapper: a cancelled job becomes one CliError line, anything else passes through, the handler goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { interruptible } from '../src/cli/interrupt';
import { CliError } from '../src/cli/errors';

const abortError = () => Object.assign(new Error('aborted'), { name: 'AbortError' });

test('interruptible: result passes through, a cancelled job becomes a CliError, other errors stay, the SIGINT handler is removed', async () => {
  const before = process.listenerCount('SIGINT');
  assert.equal(await interruptible('x', async (signal) => { assert.equal(process.listenerCount('SIGINT'), before + 1); return signal.aborted ? 0 : 42; }), 42);
  await assert.rejects(interruptible('crop cancelled; maps cached', async () => { throw abortError(); }), (e: unknown) => e instanceof CliError && e.message === 'crop cancelled; maps cached');
  const other = new RangeError('bad k');
  await assert.rejects(interruptible('x', async () => { throw other; }), (e: unknown) => e === other);
  assert.equal(process.listenerCount('SIGINT'), before);
});
