import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CropRecheck, FeatureCard, SensitivityView } from '../../src/shared/protocol';
import { applyHostMessage, EMPTY_DATA, labelsChanged, sensitivityKey } from '../../src/webview/lib/app-state';
import { restoreUiState } from '../../src/webview/lib/ui-state';

const card = (feature: number, label: FeatureCard['label']): FeatureCard => ({
  class: 'a', feature, rank: 0, importance: 1, perFeatureGap: null, label, subtype: null, images: [],
});
const sens = (cls: string, feature: number): SensitivityView => ({ class: cls, feature, images: 65, clean: 0.9, drops: { gray: 0.3, blur: 0.1, 'patch-rotate': 0 }, probabilityDrops: { gray: 0.25, blur: 0.05, 'patch-rotate': 0 }, note: null });
const recheck = (cls: string): CropRecheck => ({ class: cls, gap: -0.1, coreFeatures: [1], items: [], counts: { images: 0, cropped: 0, changed: 0, fixed: 0, broken: 0, reliable: 0 }, note: null });

test('job progress is kept per job until the job ends', () => {
  let d = applyHostMessage(EMPTY_DATA, { type: 'jobProgress', progress: { job: 'crops', class: 'a', message: '1 / 4', fraction: 0.25 } });
  d = applyHostMessage(d, { type: 'jobProgress', progress: { job: 'compare', message: 'model 1 of 2', fraction: null } });
  assert.equal(d.jobs.crops?.fraction, 0.25);
  d = applyHostMessage(d, { type: 'jobEnded', job: 'crops' });
  assert.equal(d.jobs.crops, undefined);
  assert.equal(d.jobs.compare?.message, 'model 1 of 2');
  assert.deepEqual(EMPTY_DATA.jobs, {}, 'input untouched');
});

test('crops, re-checks, sensitivities and the comparison are stored by their keys', () => {
  let d = applyHostMessage(EMPTY_DATA, { type: 'imageCrop', id: 'val/a/1.jpg', crop: null, note: 'label a core feature' });
  assert.deepEqual(d.crops.get('val/a/1.jpg'), { crop: null, note: 'label a core feature' });
  d = applyHostMessage(d, { type: 'cropRecheck', recheck: recheck('a') });
  assert.equal(d.rechecks.get('a')?.gap, -0.1);
  d = applyHostMessage(d, { type: 'sensitivity', result: sens('a', 7) });
  assert.equal(d.sensitivity.get(sensitivityKey('a', 7))?.drops.gray, 0.3);
  assert.equal(d.sensitivity.get(sensitivityKey('a', 8)), undefined);
  assert.equal(EMPTY_DATA.sensitivity.size, 0);
});

test('new labels of a class drop its re-check and sensitivities (and all image crops); unchanged labels keep them', () => {
  let d = applyHostMessage(EMPTY_DATA, { type: 'featureCards', class: 'a', cards: [card(7, 'core'), card(8, null)] });
  d = applyHostMessage(d, { type: 'sensitivity', result: sens('a', 7) });
  d = applyHostMessage(d, { type: 'sensitivity', result: sens('b', 7) });
  d = applyHostMessage(d, { type: 'cropRecheck', recheck: recheck('a') });
  d = applyHostMessage(d, { type: 'imageCrop', id: 'x.jpg', crop: null, note: null });
  const same = applyHostMessage(d, { type: 'featureCards', class: 'a', cards: [card(8, null), card(7, 'core')] });
  assert.equal(same.sensitivity.size, 2, 'the same labels in another order change nothing');
  assert.equal(same.rechecks.size, 1);
  const relabeled = applyHostMessage(d, { type: 'featureCards', class: 'a', cards: [card(7, 'core'), card(8, 'spurious')] });
  assert.deepEqual([...relabeled.sensitivity.keys()], [sensitivityKey('b', 7)]);
  assert.equal(relabeled.rechecks.size, 0);
  assert.equal(relabeled.crops.size, 0);
  assert.equal(labelsChanged([card(1, 'core')], [{ ...card(1, 'spurious'), subtype: 'background' }]), true);
});

test('the crops class and the new tabs survive a reload', () => {
  const r = restoreUiState({ tab: 'crops', cropsClass: 'church' });
  assert.equal(r.tab, 'crops');
  assert.equal(r.cropsClass, 'church');
  assert.equal(restoreUiState({ tab: 'compare' }).tab, 'compare');
  assert.equal(restoreUiState({ cropsClass: 4 }).cropsClass, null);
});

test('another dataset or model drops the analyses of the previous one; a new state of the same keeps them', () => {
  const panel = (root: string, model = 'm') => ({
    dataset: { name: 'd', root }, model: { name: model }, splits: { train: 1, val: 1 }, classes: [], meanGap: null,
    progress: { labeledClasses: 0, totalClasses: 0 }, labelingOrder: [], topK: 5, extraction: null,
    mitigation: { running: null, maxEpochs: 0, history: [], results: [] },
  });
  let d = applyHostMessage(EMPTY_DATA, { type: 'state', state: panel('/a') });
  d = applyHostMessage(d, { type: 'sensitivity', result: sens('a', 7) });
  d = applyHostMessage(d, { type: 'cropRecheck', recheck: recheck('a') });
  d = applyHostMessage(d, { type: 'state', state: panel('/a') });
  assert.equal(d.sensitivity.size, 1);
  assert.equal(d.rechecks.size, 1);
  assert.equal(applyHostMessage(d, { type: 'state', state: panel('/a', 'other') }).sensitivity.size, 0);
  const moved = applyHostMessage(d, { type: 'state', state: panel('/b') });
  assert.equal(moved.sensitivity.size, 0);
  assert.equal(moved.rechecks.size, 0);
  assert.equal(moved.comparison, null);
});

test('new mask suggestions drop the cards (their badges are stale) and keep the rest', () => {
  let d = applyHostMessage(EMPTY_DATA, { type: 'featureCards', class: 'a', cards: [card(1, null)] });
  d = applyHostMessage(d, { type: 'sensitivity', result: sens('a', 1) });
  d = applyHostMessage(d, { type: 'jobProgress', progress: { job: 'suggest', message: '3 / 40', fraction: 0.075 } });
  assert.equal(d.jobs.suggest?.message, '3 / 40');
  d = applyHostMessage(d, { type: 'suggestionsChanged' });
  assert.equal(d.featureCards.size, 0);
  assert.ok(d.sensitivity.get(sensitivityKey('a', 1)), 'measured sensitivities do not depend on suggestions');
});
