import { test } from 'node:test';
import assert from 'node:assert/strict';
import { largestDrop, NOTABLE_DROP, sensitivityHint } from '../../src/webview/sensitivity-table/sensitivity.logic';

test('largestDrop: the corruption with the biggest drop, if any is at least 2 points', () => {
  assert.equal(largestDrop({ drops: { colour: 0.3, texture: 0.1, shape: 0.05 } }), 'colour');
  assert.equal(largestDrop({ drops: { colour: 0.01, texture: 0.03, shape: 0.25 } }), 'shape');
  assert.equal(largestDrop({ drops: { colour: 0.01, texture: -0.2, shape: NOTABLE_DROP - 0.001 } }), null);
  assert.equal(largestDrop({ drops: { colour: NaN, texture: 0.05, shape: 0.02 } }), 'texture', 'a missing corruption is skipped');
  assert.equal(largestDrop({ drops: { colour: 0.1, texture: 0.1, shape: 0 } }), 'colour', 'ties keep table order');
});

test('sensitivityHint says which cue the region is used for, or that none matters', () => {
  assert.match(sensitivityHint({ images: 65, drops: { colour: 0.3, texture: 0.1, shape: 0 } }), /colour most \(region grayed/);
  assert.match(sensitivityHint({ images: 65, drops: { colour: 0, texture: 0, shape: 0 } }), /barely needs/);
  assert.match(sensitivityHint({ images: 0, drops: { colour: 0, texture: 0, shape: 0 } }), /No images/);
});
