import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { classPage } from '../../src/engine/analysis/queries/classPage';
import { featureCards, imageDetail } from '../../src/engine/analysis/queries/imageDetail';
import { reviewQueue } from '../../src/engine/analysis/queries/reviewQueue';
import { classStats, labelingOrder } from '../../src/engine/analysis/queries/classStats';
import type { SessionView } from '../../src/engine/analysis/queries/sessionView';
import type { LinearHead } from '../../src/core/types';
import { collisionPairs } from '../../src/engine/analysis/collisionsView';
import { cueFixture } from '../helpers/sessionFixture';

async function labelled(): Promise<AnalysisSession> {
  const { dataset, extraction } = cueFixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, gapK: 5 });
  await s.setLabel('a', 2, { label: 'spurious' });
  return s;
}

test('class page: ranking order ascending, the exact reverse descending, pages clamp to the list', async () => {
  const s: SessionView = await labelled();
  const all = classPage(s, { cls: 0, split: 'val', order: 'asc', offset: 0, count: 100 });
  assert.equal(all.total, 20);
  assert.equal(all.rows.length, 20);
  const scores = all.rows.map((r) => r.spuriosity!);
  for (let j = 1; j < scores.length; j++) assert.ok(scores[j] >= scores[j - 1], 'ascending spuriosity');
  // the cue images (val i < 10) are the high end
  assert.deepEqual(all.rows.slice(10).map((r) => r.entry.rel).sort(), Array.from({ length: 10 }, (_, i) => `val/a/${i}.png`).sort());
  const desc = classPage(s, { cls: 0, split: 'val', order: 'desc', offset: 0, count: 100 });
  assert.deepEqual(desc.rows.map((r) => r.row), all.rows.map((r) => r.row).reverse());
  const page2 = classPage(s, { cls: 0, split: 'val', order: 'desc', offset: 15, count: 10 });
  assert.deepEqual(page2.rows.map((r) => r.row), desc.rows.slice(15).map((r) => r.row));
  assert.equal(classPage(s, { cls: 0, split: 'val', order: 'asc', offset: 40, count: 10 }).rows.length, 0);
  assert.deepEqual(all.overlayFeatures, [2], 'overlay shows the spurious feature');
  for (const r of all.rows) {
    assert.equal(r.label, 'a');
    assert.equal(r.correct, r.predicted === 'a');
  }
});

test('class page without a ranking: index order, no spuriosity, overlay on the top features', async () => {
  const s = await labelled();
  const page = classPage(s, { cls: 1, split: 'train', order: 'asc', offset: 0, count: 5 });
  assert.deepEqual(page.rows.map((r) => r.row), Array.from(s.index.train[1].subarray(0, 5)));
  assert.ok(page.rows.every((r) => r.spuriosity === null));
  assert.deepEqual(page.overlayFeatures, s.importance[1].top);
});

test('image detail: rank in its class ranking, activations of its class top features, confidence = softmax of its logits', async () => {
  const s = await labelled();
  const row = s.indexOf('val/a/3.png')!;
  const d = imageDetail(s, row);
  const page = classPage(s, { cls: 0, split: 'val', order: 'asc', offset: 0, count: 100 });
  assert.equal(d.rank!.position, page.rows.findIndex((r) => r.row === row));
  assert.equal(d.rank!.total, 20);
  assert.equal(d.spuriosity, page.rows[d.rank!.position].spuriosity);
  assert.deepEqual(d.features.map((f) => f.feature), s.importance[0].top);
  for (const f of d.features) assert.equal(f.activation, s.features.data[row * 3 + f.feature]);
  assert.equal(d.features.find((f) => f.feature === 2)!.verdict?.label, 'spurious');
  const [la, lb] = [s.extraction.logits[row * 2], s.extraction.logits[row * 2 + 1]];
  const pa = 1 / (1 + Math.exp(lb - la));
  assert.ok(Math.abs(d.confidence! - (d.predicted === 'a' ? pa : 1 - pa)) < 1e-6, `confidence ${d.confidence}`);
  // after a new head the confidence follows it, not the cached logits of the old one
  const flipped: LinearHead = { ...s.head, bias: Float32Array.from([10, 0]) };
  s.useHead(flipped);
  const t = imageDetail(s, row);
  assert.equal(t.predicted, 'a');
  assert.ok(t.confidence! > 0.99);
});

test('a fitted head gives probabilities too: the softmax of its own logits on the image, not the model head\'s', () => {
  const { dataset, extraction } = cueFixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, gapK: 5, headMode: 'fit' });
  assert.equal(s.headSource, 'fit');
  for (const rel of ['val/a/3.png', 'val/b/12.png', 'train/a/0.png']) {
    const row = s.indexOf(rel)!;
    const d = imageDetail(s, row);
    const { weight, bias, dim, classes } = s.head;
    const z = Array.from({ length: classes }, (_, c) => {
      let v = bias[c];
      for (let f = 0; f < dim; f++) v += weight[c * dim + f] * s.features.data[row * dim + f];
      return v;
    });
    const m = Math.max(...z);
    const e = z.map((v) => Math.exp(v - m));
    const want = e[s.predictions[row]] / e.reduce((a, b) => a + b, 0);
    assert.ok(d.confidence !== null && Math.abs(d.confidence - want) < 1e-5, `${rel}: confidence ${d.confidence}, softmax of the fitted head ${want}`);
    assert.ok(d.confidence >= 1 / classes, 'the predicted class is the most probable one');
  }
});

test('feature cards: top features by importance with their most-activating training images, highest first', async () => {
  const s = await labelled();
  const cards = featureCards(s, 0);
  assert.deepEqual(cards.map((c) => c.feature), s.importance[0].top);
  for (let j = 1; j < cards.length; j++) assert.ok(cards[j].importance <= cards[j - 1].importance);
  for (const c of cards) {
    assert.ok(c.images.length > 0);
    for (const im of c.images) assert.equal(im.entry.split, 'train');
    for (let j = 1; j < c.images.length; j++) assert.ok(c.images[j].activation <= c.images[j - 1].activation);
  }
  assert.equal(cards.find((c) => c.feature === 2)!.verdict?.label, 'spurious');
});

test('review queue: marked images first, then a negative-gap class highest-spuriosity validation images, each once, capped', async () => {
  const s = await labelled();
  // make class a's gap negative by construction: a head that calls every cue image b
  s.useHead({ ...s.head, weight: Float32Array.from([2, 0, -1.0, 0, 1.0, 0]) });
  const g = s.gaps.classes.find((x) => x.cls === 0)!;
  assert.ok(g.negative, `gap ${g.gap}`);
  const marked = [{ row: 0, note: 'marked by you' }];
  const q = reviewQueue(s, [], marked);
  assert.equal(q[0].reason, 'marked');
  assert.equal(q[0].row, 0);
  const neg = q.filter((p) => p.reason === 'negative-gap');
  // the images at the high end of the class's gap (g.k, the gap's k capped at half the class)
  assert.equal(neg.length, g.k);
  const desc = classPage(s, { cls: 0, split: 'val', order: 'desc', offset: 0, count: g.k });
  assert.deepEqual(neg.map((p) => p.row), desc.rows.map((r) => r.row));
  assert.ok(neg[0].note.includes('negative gap'));
  assert.equal(new Set(q.map((p) => p.row)).size, q.length);
  assert.equal(reviewQueue(s, [], marked, 4).length, 4);
});

test('class stats and labeling order', async () => {
  const s = await labelled();
  const st = classStats(s);
  assert.deepEqual(st.map((c) => c.name), ['a', 'b']);
  let ok = 0;
  for (const i of s.index.val[0]) ok += s.correct[i];
  assert.equal(st[0].valAccuracy, ok / 20);
  assert.equal(st[0].trainImages, 40);
  assert.equal(st[0].spuriousFeatures, 1);
  assert.equal(st[0].gap?.cls, 0);
  assert.equal(st[1].gap, undefined);
  assert.equal(st[0].labeled, false, 'one of its top features is labeled, not all');
  const order = labelingOrder(s);
  assert.deepEqual([...order].sort(), ['a', 'b']);
  const best = (c: number) => Math.max(...s.featureGapsByClass.get(c)!.map((x) => x.gap));
  assert.equal(order[0], best(0) >= best(1) ? 'a' : 'b');
});

test('collision pairs: by class name, with the confused validation images counted', async () => {
  const s = await labelled();
  await s.setLabel('b', 2, { label: 'core' });
  // class a's 10 cue-free validation images fall to b (its logit lacks the cue's push); feature 2 is spurious for a, core for b
  const pairs = collisionPairs(s);
  assert.deepEqual(pairs.filter((p) => p.feature === 2), [{ spuriousClass: 'a', coreClass: 'b', feature: 2, confusions: 10 }]);
});
