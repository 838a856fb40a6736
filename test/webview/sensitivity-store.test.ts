import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureCard, LabelingModels, PanelState, SensitivityView } from '../../src/shared/protocol';
import { applyHostMessage, EMPTY_DATA, sensitivityKey, type AppData } from '../../src/webview/lib/app-state';
import { restoreSensitivity, sensitivityToSave } from '../../src/webview/lib/sensitivity-store';
import { restoreUiState } from '../../src/webview/lib/ui-state';

const card = (cls: string, feature: number, label: FeatureCard['label']): FeatureCard => ({
  class: cls, feature, rank: 0, importance: 1, perFeatureGap: null, label, subtype: label === 'spurious' ? 'background' : null, images: [],
});
const sens = (cls: string, feature: number, gray = 0.3): SensitivityView => ({
  class: cls, feature, images: 65, clean: 0.9, drops: { gray, blur: 0.1, 'patch-rotate': 0 }, probabilityDrops: { gray: 0.25, blur: 0.05, 'patch-rotate': 0 }, note: null,
});
const panel = (root = '/ds', model = 'm'): PanelState => ({
  dataset: { name: 'd', root }, model: { name: model }, splits: { train: 1, val: 1 }, classes: [], meanGap: null,
  progress: { labeledClasses: 0, totalClasses: 0 }, labelingOrder: [], topK: 5, extraction: null,
  mitigation: { running: null, maxEpochs: 0, history: [], results: [] },
});
const cardsA = [card('a', 7, 'spurious'), card('a', 8, 'core')];
const cardsB = [card('b', 3, 'core')];

/** A panel before the reload: two classes shown, three features measured; returns what it would save (JSON round trip, as setState). */
function beforeReload(): unknown {
  let d: AppData = applyHostMessage(EMPTY_DATA, { type: 'state', state: panel() });
  d = applyHostMessage(d, { type: 'featureCards', class: 'a', cards: cardsA });
  d = applyHostMessage(d, { type: 'featureCards', class: 'b', cards: cardsB });
  for (const r of [sens('a', 7), sens('a', 8, 0.02), sens('b', 3, 0)]) d = applyHostMessage(d, { type: 'sensitivity', result: r });
  return JSON.parse(JSON.stringify(sensitivityToSave(d.panel, d.sensitivity, d.featureCards, d.pendingSensitivity)));
}

/** The reloaded panel: restored from the saved blob, then the host's state message. */
const reloaded = (saved: unknown, state = panel()): AppData =>
  applyHostMessage({ ...EMPTY_DATA, pendingSensitivity: restoreSensitivity(saved) }, { type: 'state', state });

test('measured sensitivities come back after a reload once their class shows with the same labels', () => {
  let d = reloaded(beforeReload());
  assert.equal(d.sensitivity.size, 0, 'nothing is shown before the class cards arrive');
  d = applyHostMessage(d, { type: 'featureCards', class: 'a', cards: [...cardsA].reverse() });
  assert.equal(d.sensitivity.get(sensitivityKey('a', 7))?.drops.gray, 0.3);
  assert.equal(d.sensitivity.get(sensitivityKey('a', 8))?.drops.gray, 0.02);
  assert.equal(d.sensitivity.has(sensitivityKey('b', 3)), false, 'b is still pending');
  // saving now keeps b's pending results beside a's shown ones
  const again = sensitivityToSave(d.panel, d.sensitivity, d.featureCards, d.pendingSensitivity)!;
  assert.deepEqual(Object.keys(again.classes).sort(), ['a', 'b']);
  d = applyHostMessage(d, { type: 'featureCards', class: 'b', cards: cardsB });
  assert.equal(d.sensitivity.get(sensitivityKey('b', 3))?.drops.gray, 0);
  assert.equal(d.pendingSensitivity, null);
});

test('a class relabeled while the panel was away, another dataset or another model restore nothing', () => {
  const saved = beforeReload();
  const relabeled = applyHostMessage(reloaded(saved), { type: 'featureCards', class: 'a', cards: [card('a', 7, 'spurious'), card('a', 8, 'spurious')] });
  assert.equal(relabeled.sensitivity.size, 0, "a spurious feature's mask depends on the core labels");
  assert.deepEqual(Object.keys(relabeled.pendingSensitivity!.classes), ['b'], 'the stale class is forgotten, the others stay pending');
  for (const state of [panel('/other'), panel('/ds', 'another model')]) {
    const d = applyHostMessage(reloaded(saved, state), { type: 'featureCards', class: 'a', cards: cardsA });
    assert.equal(d.sensitivity.size, 0);
    assert.equal(d.pendingSensitivity, null);
  }
});

test("a compared model's cards do not take the ranked model's saved sensitivities", () => {
  const models: LabelingModels = {
    models: [{ sha256: 'r', id: 'ranked', annotations: '/a.json', spuriousPairs: 2, ranked: true },
      { sha256: 'c', id: 'other', annotations: '/c.json', spuriousPairs: 0, ranked: false }],
    active: 'c', loading: false,
  };
  let d = applyHostMessage(reloaded(beforeReload()), { type: 'labelingModels', models });
  d = applyHostMessage(d, { type: 'featureCards', class: 'a', cards: cardsA });
  assert.equal(d.sensitivity.size, 0);
  assert.ok(d.pendingSensitivity?.classes.a, 'kept for when the ranked model is labeled again');
});

test('a corrupted or foreign saved blob restores what is valid and nothing else; the UI state ignores it', () => {
  assert.equal(restoreSensitivity(undefined), null);
  assert.equal(restoreSensitivity({ root: '/ds', model: 'm', classes: [] }), null);
  const r = restoreSensitivity({
    root: '/ds', model: 'm', classes: {
      a: { labels: '7:spurious:background', results: [sens('a', 7), { ...sens('a', 9), drops: { gray: 'x' } }, sens('b', 1)] },
      c: { labels: 4, results: [sens('c', 1)] },
    },
  });
  assert.deepEqual(r?.classes.a.results.map((x) => x.feature), [7], 'a bad field, or a result of another class, is dropped');
  assert.equal(r?.classes.c, undefined);
  assert.equal(restoreUiState({ tab: 'labeling', sensitivity: { root: 1 } }).tab, 'labeling');
});
