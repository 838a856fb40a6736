import { test } from 'node:test';
import assert from 'node:assert/strict';
import { largestDrop, NOTABLE_DROP, sensitivityHint, sensitivityPick } from '../../src/webview/sensitivity-table/sensitivity.logic';

const flat = { colour: 0, texture: 0, shape: 0 };

test('largestDrop: the corruption with the biggest drop, if any is at least 2 points', () => {
  assert.equal(largestDrop({ colour: 0.3, texture: 0.1, shape: 0.05 }), 'colour');
  assert.equal(largestDrop({ colour: 0.01, texture: 0.03, shape: 0.25 }), 'shape');
  assert.equal(largestDrop({ colour: 0.01, texture: -0.2, shape: NOTABLE_DROP - 0.001 }), null);
  assert.equal(largestDrop({ colour: NaN, texture: 0.05, shape: 0.02 }), 'texture', 'a missing corruption is skipped');
  assert.equal(largestDrop({ colour: 0.1, texture: 0.1, shape: 0 }), 'colour', 'ties keep table order');
});

test('sensitivityPick: accuracy decides unless it is saturated, then the probability drop does', () => {
  // the demo's 2-two cue features: accuracy moves, and picks colour
  assert.deepEqual(sensitivityPick({ drops: { colour: 0.242, texture: 0.019, shape: 0.042 }, probabilityDrops: { colour: 0.322, texture: 0.012, shape: 0.033 } }),
    { measure: 'accuracy', corruption: 'colour' });
  // accuracy picks shape even where the probability drop would pick colour: the paper's measure wins while it moves
  assert.deepEqual(sensitivityPick({ drops: { colour: 0, texture: 0.062, shape: 0.069 }, probabilityDrops: { colour: 0.121, texture: 0.066, shape: 0.076 } }),
    { measure: 'accuracy', corruption: 'shape' });
  // the demo's 3-three cue features: every image stays correct, the true-class probability drops 30 points when grayed
  assert.deepEqual(sensitivityPick({ drops: flat, probabilityDrops: { colour: 0.306, texture: -0.003, shape: 0.011 } }),
    { measure: 'probability', corruption: 'colour' });
  assert.equal(sensitivityPick({ drops: { colour: 0.01, texture: 0, shape: -0.01 }, probabilityDrops: { colour: 0.015, texture: 0, shape: 0 } }), null);
  assert.deepEqual(sensitivityPick({ drops: { colour: NaN, texture: NaN, shape: NaN }, probabilityDrops: { colour: NaN, texture: 0.05, shape: NaN } }),
    { measure: 'probability', corruption: 'texture' }, 'missing accuracies count as saturated');
});

test('sensitivityHint says which cue the region is used for, by which measure, or that none matters', () => {
  assert.match(sensitivityHint({ images: 65, drops: { colour: 0.3, texture: 0.1, shape: 0 }, probabilityDrops: flat }), /colour most \(region grayed: the largest accuracy drop/);
  const saturated = sensitivityHint({ images: 65, drops: flat, probabilityDrops: { colour: 0.25, texture: 0, shape: 0 } });
  assert.match(saturated, /^Accuracy is saturated/);
  assert.match(saturated, /colour most \(region grayed: the largest probability drop/);
  assert.match(sensitivityHint({ images: 65, drops: flat, probabilityDrops: flat }), /barely needs/);
  assert.match(sensitivityHint({ images: 0, drops: flat, probabilityDrops: flat }), /No images/);
});
