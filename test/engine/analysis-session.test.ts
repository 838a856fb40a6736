import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { gapReport, rankReport } from '../../src/engine/analysis/report';
import { tuneHead } from '../../src/engine/analysis/tune';
import { mapClasses } from '../../src/engine/analysis/headChoice';
import { cueFixture } from '../helpers/sessionFixture';

// Two classes, D = 3 features, a planted background cue in class a the model's head leans on (test/helpers/sessionFixture).
const fixture = cueFixture;

test('classes map onto the model by name (ignoring case and separators) or wnid', () => {
  const { extraction } = fixture(['A', 'b_']);
  assert.deepEqual(Array.from(mapClasses(['a', 'b'], extraction.model).toModel), [0, -1]);
  const m = { ...extraction.model, labels: ['x', 'y'], card: { ...extraction.model.card, wnids: ['n01', 'n02'] } };
  assert.deepEqual(Array.from(mapClasses(['n02', 'n01'], m).toModel), [1, 0]);
});

test('the model head is used when every class maps, predictions come from the cached logits', () => {
  const { dataset, extraction } = fixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0 });
  assert.equal(s.headSource, 'model');
  assert.equal(s.spuriosity.rankings.filter(Boolean).length, 0, 'no labels, no rankings');
  assert.equal(gapReport(s).meanGap, null);
  // feature 2 (the cue) must be among class a's top features: it carries most of the head's weight for a
  assert.ok(s.importance[0].top.includes(2));
});

test('labeling the cue spurious ranks class a and yields a positive gap; clearing it removes the ranking', async () => {
  const { dataset, extraction } = fixture();
  const store = new MemoryLabelStore();
  const s = AnalysisSession.create(dataset, extraction, store, { bootstrap: 200, gapK: 5 });
  await s.setLabel('a', 2, { label: 'spurious', subtype: 'background' });
  assert.equal(store.entries().length, 1, 'the label is persisted in the store');
  const r = s.spuriosity.rankings[0]!;
  assert.ok(r);
  // the highest-spuriosity validation images are exactly those with the cue (i < 10)
  const top10 = Array.from(r.val.order.slice(-10), (i) => s.entries[i].rel).sort();
  assert.deepEqual(top10, Array.from({ length: 10 }, (_, i) => `val/a/${i}.png`).sort());
  const g = gapReport(s);
  assert.ok(g.meanGap && g.meanGap.value! > 0, `gap ${JSON.stringify(g.meanGap)}`);
  assert.equal(g.classes[0].name, 'a');
  assert.deepEqual(g.unranked, ['b']);
  const rank = rankReport(s, 2);
  assert.equal(rank.classes[0].ranking!.val.highest.length, 2);
  await s.setLabel('a', 2, null);
  assert.equal(s.spuriosity.rankings[0], null);
  await assert.rejects(s.setLabel('zzz', 0, { label: 'core' }), /Unknown class "zzz"/);
  await assert.rejects(s.setLabel('a', 9, { label: 'core' }), /out of range 0\.\.2/);
});

test('unmapped classes force a fitted head in auto mode', () => {
  const { dataset, extraction } = fixture(['cat', 'dog']);
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0 });
  assert.equal(s.headSource, 'fit');
  assert.deepEqual(s.classNames, ['a', 'b']);
  assert.ok(s.valAccuracy() > 0.5);
});

test('low-spuriosity tuning reduces the gap the cue causes', async () => {
  const { dataset, extraction } = fixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, gapK: 5 });
  await s.setLabel('a', 2, { label: 'spurious' });
  const before = s.gaps.mean;
  const t = await tuneHead(s, 'low-spuriosity', { k: 10 });
  assert.ok(t.result.after.meanGap < before, `gap ${before} -> ${t.result.after.meanGap}`);
  s.useHead(t.head);
  assert.ok(Math.abs(s.gaps.mean - t.result.after.meanGap) < 1e-9);
});
