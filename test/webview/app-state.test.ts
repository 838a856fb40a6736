import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { MitigationResult, PanelState } from '../../src/shared/protocol';
import { applyHostMessage, EMPTY_DATA, labeledClasses, MAX_NOTICES } from '../../src/webview/lib/app-state';
import { DEFAULT_UI, restoreUiState } from '../../src/webview/lib/ui-state';

const panel: PanelState = {
  dataset: { name: 'd', root: '/d' }, model: { name: 'm' }, splits: { train: 10, val: 4 },
  classes: [
    { name: 'a', index: 0, images: 5, valImages: 2, accuracy: 1, spuriousFeatures: 1, labeled: true, gap: null, negative: false },
    { name: 'b', index: 1, images: 5, valImages: 2, accuracy: 1, spuriousFeatures: 0, labeled: false, gap: null, negative: false },
  ],
  meanGap: null, progress: { labeledClasses: 1, totalClasses: 2 }, labelingOrder: ['b', 'a'], topK: 5, extraction: null,
  mitigation: { running: null, maxEpochs: 20, history: [], results: [] },
};

test('state, cards, detail, collisions and review are stored', () => {
  let d = applyHostMessage(EMPTY_DATA, { type: 'state', state: panel });
  assert.equal(d.panel, panel);
  d = applyHostMessage(d, { type: 'featureCards', class: 'a', cards: [] });
  assert.deepEqual(d.featureCards.get('a'), []);
  assert.equal(EMPTY_DATA.featureCards.size, 0, 'input untouched');
  d = applyHostMessage(d, { type: 'collisions', pairs: [{ spuriousClass: 'a', coreClass: 'b', feature: 3, confusions: 2 }] });
  assert.equal(d.collisions?.length, 1);
  d = applyHostMessage(d, { type: 'reviewQueue', items: [] });
  assert.deepEqual(d.review, []);
  assert.deepEqual(labeledClasses(d.panel), new Set(['a']));
});

test('mitigation progress builds the live history; epoch 0 starts over; a result ends the run', () => {
  let d = applyHostMessage(EMPTY_DATA, { type: 'state', state: panel });
  d = applyHostMessage(d, { type: 'mitigationProgress', method: 'random', point: { epoch: 0, accuracy: 0.8, gap: 0.2 } });
  d = applyHostMessage(d, { type: 'mitigationProgress', method: 'random', point: { epoch: 1, accuracy: 0.79, gap: 0.1 } });
  assert.equal(d.panel?.mitigation.running, 'random');
  assert.deepEqual(d.panel?.mitigation.history.map((p) => p.epoch), [0, 1]);
  d = applyHostMessage(d, { type: 'mitigationProgress', method: 'error', point: { epoch: 0, accuracy: 0.8, gap: 0.2 } });
  assert.deepEqual(d.panel?.mitigation.history.map((p) => p.epoch), [0]);
  const result: MitigationResult = { method: 'error', before: { epoch: 0, accuracy: 0.8, gap: 0.2 }, after: { epoch: 3, accuracy: 0.78, gap: 0.12 }, epochs: 3, stoppedEarly: false, trainImages: 100 };
  d = applyHostMessage(d, { type: 'mitigationResult', result });
  d = applyHostMessage(d, { type: 'mitigationResult', result: { ...result, epochs: 4 } });
  assert.equal(d.panel?.mitigation.running, null);
  assert.deepEqual(d.panel?.mitigation.results.map((r) => r.epochs), [4], 'one result per method, the newest');
});

test('progress before any state is ignored rather than crashing', () => {
  const d = applyHostMessage(EMPTY_DATA, { type: 'mitigationProgress', method: 'random', point: { epoch: 0, accuracy: 1, gap: 0 } });
  assert.equal(d, EMPTY_DATA);
});

test('notices keep the newest few; showTab is queued for the app', () => {
  let d = EMPTY_DATA;
  for (let i = 0; i < MAX_NOTICES + 3; i++) d = applyHostMessage(d, { type: 'notify', level: 'error', message: `m${i}` });
  assert.equal(d.notices.length, MAX_NOTICES);
  assert.equal(d.notices.at(-1)?.message, `m${MAX_NOTICES + 2}`);
  d = applyHostMessage(d, { type: 'showTab', tab: 'class', class: 'b' });
  assert.deepEqual(d.requestedTab, { tab: 'class', class: 'b' });
});

test('UI state restores field by field from junk', () => {
  assert.deepEqual(restoreUiState(undefined), DEFAULT_UI);
  assert.deepEqual(restoreUiState('garbage'), DEFAULT_UI);
  const r = restoreUiState({ tab: 'labeling', order: 'desc', split: 'train', overlay: true, sort: { by: 'nope', dir: 'asc' },
    filter: { text: 5, onlyNegative: true }, labelingFocus: -3, selectedClass: 'x' });
  assert.equal(r.tab, 'labeling');
  assert.equal(r.order, 'desc');
  assert.equal(r.split, 'train');
  assert.equal(r.overlay, true);
  assert.deepEqual(r.sort, { by: 'gap', dir: 'asc' });
  assert.deepEqual(r.filter, { text: '', onlyNegative: true, onlyWithSpurious: false, onlyUnlabeled: false });
  assert.equal(r.labelingFocus, 0);
  assert.equal(r.selectedClass, 'x');
  assert.deepEqual(restoreUiState(JSON.parse(JSON.stringify(r))), r, 'a saved state round-trips');
});
