import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canAccept, classAfterDone, classDoneText, firstUnlabeled, focusAfterLabel, keyToAction, labelText, nextClass, suggestionText } from '../../src/webview/labeling-view/labeling.logic';

test('single keys label, move and change class', () => {
  assert.deepEqual(keyToAction('c'), { kind: 'label', label: 'core' });
  assert.deepEqual(keyToAction('s'), { kind: 'label', label: 'spurious' });
  assert.deepEqual(keyToAction('b'), { kind: 'label', label: 'spurious', subtype: 'background' });
  assert.deepEqual(keyToAction('o'), { kind: 'label', label: 'spurious', subtype: 'separate_object' });
  assert.deepEqual(keyToAction('x'), { kind: 'label', label: null });
  for (const k of ['j', 'ArrowDown', 'ArrowRight']) assert.deepEqual(keyToAction(k), { kind: 'move', delta: 1 });
  for (const k of ['k', 'ArrowUp', 'ArrowLeft']) assert.deepEqual(keyToAction(k), { kind: 'move', delta: -1 });
  assert.deepEqual(keyToAction('n'), { kind: 'class', delta: 1 });
  assert.deepEqual(keyToAction('p'), { kind: 'class', delta: -1 });
  assert.equal(keyToAction('q'), null);
  assert.equal(keyToAction('C'), null, 'shifted letters are not labels');
});

test('modifier chords are left to VS Code', () => {
  assert.equal(keyToAction('c', { ctrl: true }), null);
  assert.equal(keyToAction('s', { meta: true }), null);
  assert.equal(keyToAction('n', { alt: true }), null);
});

test('after labeling, focus goes to the next unlabeled feature', () => {
  const cards = [{ label: 'core' as const }, { label: null }, { label: 'spurious' as const }, { label: null }];
  assert.equal(focusAfterLabel(cards, 0), 1);
  assert.equal(focusAfterLabel(cards, 1), 3);
  const last = [{ label: 'core' as const }, { label: null }, { label: 'spurious' as const }, { label: 'core' as const }];
  assert.equal(focusAfterLabel(last, 3), 1, 'back to a feature skipped earlier');
  assert.equal(focusAfterLabel([{ label: 'core' }, { label: 'core' }], 1), 1, 'all labeled: stays on the last card');
  assert.equal(focusAfterLabel([{ label: 'core' }, { label: 'core' }], 0), 1);
});

test('next class prefers unlabeled ones, wraps, and goes back with p', () => {
  const order = ['a', 'b', 'c', 'd'];
  assert.equal(nextClass(order, null, new Set()), 'a');
  assert.equal(nextClass(order, null, new Set(['a'])), 'b');
  assert.equal(nextClass(order, 'b', new Set(['c'])), 'd');
  assert.equal(nextClass(order, 'd', new Set()), 'a');
  assert.equal(nextClass(order, 'b', new Set(order)), 'c', 'all labeled: plain next');
  assert.equal(nextClass(order, 'a', new Set(), -1), 'd');
  assert.equal(nextClass([], 'a', new Set()), null);
});

test('label texts', () => {
  assert.equal(labelText(null, null), 'unlabeled');
  assert.equal(labelText('core', null), 'core');
  assert.equal(labelText('spurious', 'background'), 'spurious: background');
  assert.equal(labelText('spurious', 'separate_object'), 'spurious: separate object');
});

test('a finished class hands over to the next unlabeled one, then to nothing (no wrap)', () => {
  const order = ['seven', 'two', 'zero', 'one'];
  assert.equal(classAfterDone(order, 'seven', new Set(['seven'])), 'two');
  assert.equal(classAfterDone(order, 'two', new Set(['seven', 'two', 'zero'])), 'one', 'skips labeled classes');
  assert.equal(classAfterDone(order, 'one', new Set(['one', 'two', 'zero'])), 'seven', 'an earlier skipped class still needs labels');
  assert.equal(classAfterDone(order, 'one', new Set(order)), null, 'all labeled: done, not the first class again');
  assert.equal(classAfterDone(['only'], 'only', new Set(['only'])), null);
});

test('the new class starts at its first unlabeled feature', () => {
  assert.equal(firstUnlabeled([{ label: null }, { label: null }]), 0);
  assert.equal(firstUnlabeled([{ label: 'core' }, { label: 'spurious' }, { label: null }]), 2);
  assert.equal(firstUnlabeled([{ label: 'core' }]), 0);
  assert.equal(firstUnlabeled([]), 0);
});

test('class-done feedback names the class and the progress', () => {
  assert.equal(classDoneText('seven', 3, 4), 'seven done, 3 of 4 classes labeled');
  assert.equal(classDoneText('a', 1, 1), 'a done, 1 of 1 class labeled');
});

test('Enter accepts a mask suggestion only where no person labeled the feature', () => {
  assert.deepEqual(keyToAction('Enter'), { kind: 'accept' });
  assert.equal(keyToAction('Enter', { ctrl: true }), null);
  const suggestion = { label: 'core' as const, subtype: null, share: 0.834, sd: 0.05, images: 20 };
  assert.equal(suggestionText(suggestion), 'core: 83% on the object');
  assert.equal(suggestionText({ ...suggestion, label: 'spurious', subtype: 'background', share: 0.07 }), 'spurious: background: 7% on the object');
  assert.ok(canAccept({ suggestion, label: null }));
  assert.ok(canAccept({ suggestion, label: 'spurious', machine: true }), 'an earlier accepted suggestion may be replaced');
  assert.ok(!canAccept({ suggestion, label: 'spurious' }), "a person's label is kept");
  assert.ok(!canAccept({ suggestion: null, label: null }));
});
