// The reports' note on machine-made labels (accepted mask suggestions): listed, counted, and said plainly when every
// label is machine-made.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machineLabelLine, machineLabels } from '../src/cli/commands/machineLabels';

const origin = { by: 'mask-suggestion' as const, source: '/d/masks', score: 0.07 };

test('machine-made labels are listed and counted; none gives no line', () => {
  const m = machineLabels([
    { cls: 'a', feature: 2, verdict: { label: 'spurious', subtype: 'background', origin } },
    { cls: 'a', feature: 0, verdict: { label: 'core' } },
  ]);
  assert.deepEqual(m.list, [{ class: 'a', feature: 2, label: 'spurious', source: '/d/masks', score: 0.07 }]);
  assert.ok(m.has('a', 2));
  assert.ok(!m.has('a', 0));
  assert.match(machineLabelLine(m)!, /^Labels: 1 of 2 machine-made/);
  assert.doesNotMatch(machineLabelLine(m)!, /alone/);
  assert.equal(machineLabelLine(machineLabels([{ cls: 'a', feature: 0, verdict: { label: 'core' } }])), null);
  assert.match(machineLabelLine(machineLabels([{ cls: 'a', feature: 2, verdict: { label: 'core', origin } }]))!, /machine labels alone/);
});
