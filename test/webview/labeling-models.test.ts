import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureCard, LabelingModels } from '../../src/shared/protocol';
import { applyHostMessage, EMPTY_DATA } from '../../src/webview/lib/app-state';
import { labelingPanel } from '../../src/webview/model-switcher/labeling-panel';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const models = (active: string, loading = false, extra: Partial<LabelingModels> = {}): LabelingModels => ({
  models: [
    { sha256: A, id: 'ranked', annotations: '/d/.spuriosity/annotations.aaaaaaaa.json', spuriousPairs: 3, ranked: true },
    { sha256: B, id: 'variant', annotations: '/d/.spuriosity/annotations.bbbbbbbb.json', spuriousPairs: 0, ranked: false },
  ],
  active, loading, ...extra,
});
const card: FeatureCard = { class: 'x', feature: 1, rank: 0, importance: 1, perFeatureGap: null, label: null, subtype: null, images: [] };

test('switching the labeled model drops cards and sensitivities of the previous one; the first message for the ranked model keeps them', () => {
  let d = applyHostMessage(EMPTY_DATA, { type: 'featureCards', class: 'x', cards: [card] });
  d = applyHostMessage(d, { type: 'labelingModels', models: models(A) });
  assert.equal(d.featureCards.size, 1, 'still the ranked model');
  d = applyHostMessage(d, { type: 'labelingModels', models: models(B, true) });
  assert.equal(d.featureCards.size, 0, 'switched: the ranked model cards go');
  d = applyHostMessage(d, { type: 'featureCards', class: 'x', cards: [card] });
  d = applyHostMessage(d, { type: 'labelingModels', models: models(B, false) });
  assert.equal(d.featureCards.size, 0, 'cards that arrived while it loaded may be the old model\'s');
  d = applyHostMessage(d, { type: 'featureCards', class: 'x', cards: [card] });
  d = applyHostMessage(d, { type: 'labelingModels', models: models(B, false, { order: ['x'] }) });
  assert.equal(d.featureCards.size, 1, 'a progress update of the same model keeps them');
});

test('labelingPanel: the ranked model uses the panel state; another model its own classes, order, progress and k', () => {
  const panel = {
    dataset: { name: 'd', root: '/d' }, model: { name: 'm' }, splits: { train: 1, val: 1 }, classes: [], meanGap: null,
    progress: { labeledClasses: 0, totalClasses: 2 }, labelingOrder: ['x', 'y'], topK: 5, extraction: null,
    mitigation: { running: null, maxEpochs: 0, history: [], results: [] },
  };
  assert.equal(labelingPanel(panel, null), panel);
  assert.equal(labelingPanel(panel, models(A)), panel);
  const other = labelingPanel(panel, models(B, false, { order: ['y', 'x'], progress: { labeledClasses: 1, totalClasses: 2 }, topK: 3, classes: [] }));
  assert.deepEqual([other?.labelingOrder, other?.progress.labeledClasses, other?.topK], [['y', 'x'], 1, 3]);
  assert.equal(other?.dataset, panel.dataset);
});
