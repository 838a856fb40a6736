// The guards before fine-tuning: refuse when tuning cannot change the head, and name the classes whose every
// training image a per-class budget of k takes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { checkTuning } from '../../src/engine/analysis/tuneGuard';
import { cueFixture as fixture } from '../helpers/sessionFixture';

test('no spurious label: refused, there is nothing to reduce', () => {
  const { dataset, extraction } = fixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0 });
  const c = checkTuning(s, 'low-spuriosity', { k: 10, threshold: 0.05 });
  assert.match(c.refusal ?? '', /No class has a feature labeled spurious/);
});

test('a gap already under the threshold is refused with both numbers; above it tuning may run', async () => {
  const { dataset, extraction } = fixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, gapK: 5 });
  await s.setLabel('a', 2, { label: 'spurious', subtype: 'background' });
  assert.ok(s.gaps.mean > 0.05, `the fixture plants a gap (${s.gaps.mean})`);
  const pts = (s.gaps.mean * 100).toFixed(1);
  const over = checkTuning(s, 'low-spuriosity', { k: 10, threshold: s.gaps.mean + 0.01 });
  assert.ok(over.refusal?.includes(`already ${pts} points`), over.refusal ?? '');
  assert.match(over.refusal ?? '', /under the .*-point threshold.*head would stay unchanged/);
  const ok = checkTuning(s, 'low-spuriosity', { k: 10, threshold: 0.05 });
  assert.equal(ok.refusal, null);
  assert.deepEqual(ok.warnings, []);
});

test('k at least a ranked class\'s training size: a warning naming the class and its size', async () => {
  const { dataset, extraction } = fixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, gapK: 5 });
  await s.setLabel('a', 2, { label: 'spurious', subtype: 'background' });
  const c = checkTuning(s, 'low-spuriosity', { k: 40, threshold: 0.05, kShare: 1 });
  assert.equal(c.refusal, null);
  // only class a has a ranking (b has no spurious feature, so tuning takes none of its images)
  assert.deepEqual(c.wholeClasses, [{ name: 'a', trainImages: 40 }]);
  assert.match(c.warnings[0], /tuneK = 40.*1 of 1 ranked class\(es\) \(a: 40\).*low-spuriosity tuning trains on every training image of that class/);
  assert.deepEqual(checkTuning(s, 'low-spuriosity', { k: 39, threshold: 0.05, kShare: 1 }).wholeClasses, []);
  // the default share cap (a quarter of the class) never takes a whole class
  assert.deepEqual(checkTuning(s, 'low-spuriosity', { k: 40, threshold: 0.05 }).wholeClasses, []);
});
