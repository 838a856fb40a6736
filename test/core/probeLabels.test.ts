import { test } from 'node:test';
import assert from 'node:assert/strict';
import { labelByProbes, meanActivations } from '../../src/core/probeLabels';

test('meanActivations averages the chosen rows per feature', () => {
  const m = { rows: 3, cols: 2, data: Float32Array.from([1, 10, 3, 20, 100, 100]) };
  assert.deepEqual(Array.from(meanActivations(m, [0, 1])), [2, 15]);
  assert.ok(Number.isNaN(meanActivations(m, [])[0]));
});

test('labelByProbes marks features that prefer the cue as spurious, in top order', () => {
  const cue = Float64Array.from([5, 1, 2]);
  const obj = Float64Array.from([1, 4, 2]);
  const v = labelByProbes([1, 0, 2], cue, obj);
  assert.deepEqual(v.map((x) => [x.feature, x.spurious]), [[1, false], [0, true], [2, false]]);
  assert.throws(() => labelByProbes([0], Float64Array.from([NaN]), obj), /probe means must be finite/);
});
