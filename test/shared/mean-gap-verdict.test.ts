import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gapSignificance } from '../../src/core/gap';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { gapReport } from '../../src/engine/analysis/report';
import { meanSignificanceOf } from '../../src/webview/lib/significance';
import { cueFixture } from '../helpers/sessionFixture';

test('the mean gap gets the per-class verdict in gap --json and in the panel (from the interval the host sends)', async () => {
  const { dataset, extraction } = cueFixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 300, gapK: 5 });
  assert.equal(gapReport(s).meanGap, null, 'no gap, no verdict');
  await s.setLabel('a', 2, { label: 'spurious', subtype: 'background' });
  const [lo, hi] = s.gaps.meanCi!;
  const json = gapReport(s).meanGap!;
  assert.equal(json.significance, gapSignificance(lo, hi));
  // the planted cue is perfect: every resample gives +100, a degenerate interval [+100, +100] that still excludes 0
  assert.deepEqual([lo, hi], [1, 1]);
  assert.equal(json.significance, 'positive');
  const noCi = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, gapK: 5 });
  await noCi.setLabel('a', 2, { label: 'spurious' });
  assert.equal(gapReport(noCi).meanGap!.significance, null, 'without an interval nothing is a finding');
  assert.equal(meanSignificanceOf({ meanGap: { value: noCi.gaps.mean, lo: noCi.gaps.mean, hi: noCi.gaps.mean } }), null);
});

test('the webview derives the mean verdict from the interval', () => {
  const iv = (value: number, lo: number, hi: number) => ({ meanGap: { value, lo, hi } });
  assert.equal(meanSignificanceOf(iv(0.1, -0.05, 0.25)), 'not-significant');
  assert.equal(meanSignificanceOf(iv(0.1, 0.02, 0.18)), 'positive');
  assert.equal(meanSignificanceOf(iv(-0.1, -0.2, -0.01)), 'negative');
  assert.equal(meanSignificanceOf(iv(0.1, 0.1, 0.1)), null, 'a point estimate is no verdict');
  assert.equal(meanSignificanceOf({ ...iv(1, 1, 1), meanGapSignificance: 'positive' }), 'positive', "the host's verdict wins (a degenerate interval)");
  assert.equal(meanSignificanceOf({ meanGap: null }), null);
});
