import { test } from 'node:test';
import assert from 'node:assert/strict';
import { largestDrop, NOTABLE_DROP, sensitivityHint, sensitivityPick } from '../../src/webview/sensitivity-table/sensitivity.logic';

const flat = { gray: 0, blur: 0, 'patch-rotate': 0 };

test('largestDrop: the corruption with the biggest drop, if any is at least 2 points', () => {
  assert.equal(largestDrop({ gray: 0.3, blur: 0.1, 'patch-rotate': 0.05 }), 'gray');
  assert.equal(largestDrop({ gray: 0.01, blur: 0.03, 'patch-rotate': 0.25 }), 'patch-rotate');
  assert.equal(largestDrop({ gray: 0.01, blur: -0.2, 'patch-rotate': NOTABLE_DROP - 0.001 }), null);
  assert.equal(largestDrop({ gray: NaN, blur: 0.05, 'patch-rotate': 0.02 }), 'blur', 'a missing corruption is skipped');
  assert.equal(largestDrop({ gray: 0.1, blur: 0.1, 'patch-rotate': 0 }), 'gray', 'ties keep table order');
});

test('sensitivityPick: accuracy decides unless it is saturated, then the probability drop does', () => {
  // the demo's 2-two cue features: accuracy moves, and picks colour
  assert.deepEqual(sensitivityPick({ drops: { gray: 0.242, blur: 0.019, 'patch-rotate': 0.042 }, probabilityDrops: { gray: 0.322, blur: 0.012, 'patch-rotate': 0.033 } }),
    { measure: 'accuracy', corruption: 'gray' });
  // accuracy picks shape even where the probability drop would pick colour (gray): the paper's measure wins while it moves
  assert.deepEqual(sensitivityPick({ drops: { gray: 0, blur: 0.062, 'patch-rotate': 0.069 }, probabilityDrops: { gray: 0.121, blur: 0.066, 'patch-rotate': 0.076 } }),
    { measure: 'accuracy', corruption: 'patch-rotate' });
  // the demo's 3-three cue features: every image stays correct, the true-class probability drops 30 points when grayed
  assert.deepEqual(sensitivityPick({ drops: flat, probabilityDrops: { gray: 0.306, blur: -0.003, 'patch-rotate': 0.011 } }),
    { measure: 'probability', corruption: 'gray' });
  assert.equal(sensitivityPick({ drops: { gray: 0.01, blur: 0, 'patch-rotate': -0.01 }, probabilityDrops: { gray: 0.015, blur: 0, 'patch-rotate': 0 } }), null);
  assert.deepEqual(sensitivityPick({ drops: { gray: NaN, blur: NaN, 'patch-rotate': NaN }, probabilityDrops: { gray: NaN, blur: 0.05, 'patch-rotate': NaN } }),
    { measure: 'probability', corruption: 'blur' }, 'missing accuracies count as saturated');
});

test('sensitivityHint says which cue the region is used for, by which measure, or that none matters', () => {
  assert.match(sensitivityHint({ images: 65, drops: { gray: 0.3, blur: 0.1, 'patch-rotate': 0 }, probabilityDrops: flat }), /colour most \(region grayed: the largest accuracy drop/);
  const saturated = sensitivityHint({ images: 65, drops: flat, probabilityDrops: { gray: 0.25, blur: 0, 'patch-rotate': 0 } });
  assert.match(saturated, /^Accuracy is saturated/);
  assert.match(saturated, /colour most \(region grayed: the largest probability drop/);
  assert.match(sensitivityHint({ images: 65, drops: flat, probabilityDrops: flat }), /barely needs/);
  assert.match(sensitivityHint({ images: 0, drops: flat, probabilityDrops: flat }), /No images/);
});
