import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassSummary, CropView } from '../../src/shared/protocol';
import { boxAspect, boxStyle, changeKind, countsText, cropBackground, cropsClass, recheckClasses } from '../../src/webview/crops-view/crops.logic';

test('boxStyle: percent of the image, clamped so the box never leaves it', () => {
  assert.equal(boxStyle({ x: 0.25, y: 0.1, w: 0.5, h: 0.4 }), 'left:25%;top:10%;width:50%;height:40%');
  assert.equal(boxStyle({ x: 0.8, y: -0.1, w: 0.5, h: 1.5 }), 'left:80%;top:0%;width:20%;height:100%');
});

test('cropBackground: the box fills the element (scale 1/w, position x/(1-w))', () => {
  // box 50% wide at x = 25%: image drawn at 200%, offset -50% of the element = 25/(1-0.5) = 50% position
  const s = cropBackground('https://x/a.webp', { x: 0.25, y: 0, w: 0.5, h: 0.5 });
  assert.match(s, /background-size:200% 200%/);
  assert.match(s, /background-position:50% 0%/);
  assert.match(s, /url\("https:\/\/x\/a.webp"\)/);
  // the whole image: no scaling, no shift (and no division by zero)
  assert.match(cropBackground('u', { x: 0, y: 0, w: 1, h: 1 }), /background-size:100% 100%;background-position:0% 0%/);
  // quotes in a URI cannot close the url("...")
  assert.doesNotMatch(cropBackground('a"b', { x: 0, y: 0, w: 1, h: 1 }), /a"b/);
});

test('boxAspect: width over height in original pixels (a square box on a wide image is square)', () => {
  assert.equal(boxAspect({ box: { x: 0, y: 0, w: 0.25, h: 0.5 }, imageSize: { width: 400, height: 200 } }), 1);
  assert.equal(boxAspect({ box: null, imageSize: { width: 400, height: 200 } }), 1);
});

const crop = (orig: [string, boolean], cropped: [string, boolean] | null): Pick<CropView, 'original' | 'cropped'> => ({
  original: { predicted: orig[0], correct: orig[1] }, cropped: cropped && { predicted: cropped[0], correct: cropped[1] },
});

test('changeKind: fixed, broken, changed between wrong classes, or unchanged', () => {
  assert.equal(changeKind(crop(['dog', false], ['cat', true])), 'fixed');
  assert.equal(changeKind(crop(['cat', true], ['dog', false])), 'broken');
  assert.equal(changeKind(crop(['dog', false], ['cow', false])), 'changed');
  assert.equal(changeKind(crop(['cat', true], ['cat', true])), null);
  assert.equal(changeKind(crop(['cat', true], null)), null);
});

test('countsText names changed, fixed, broken, boxless and reliable counts', () => {
  assert.equal(countsText({ images: 10, cropped: 9, changed: 5, fixed: 4, broken: 1, reliable: 6 }),
    '5 of 9 cropped images changed prediction (4 fixed, 1 broken, 1 without a core box, 6 reliable).');
  assert.equal(countsText({ images: 0, cropped: 0, changed: 0, fixed: 0, broken: 0, reliable: 0 }), 'No images to re-check.');
});

const cls = (name: string, gap: number | null): ClassSummary => ({
  name, index: 0, images: 1, valImages: 1, accuracy: 1, spuriousFeatures: gap === null ? 0 : 1, labeled: true,
  gap: gap === null ? null : { value: gap, lo: gap - 0.05, hi: gap + 0.05, k: 10 }, negative: gap !== null && gap < 0,
});

test('recheck classes: negative gaps first (most negative first), classes without a gap left out', () => {
  const cs = [cls('a', 0.2), cls('b', -0.1), cls('c', null), cls('d', -0.3), cls('e', 0.05)];
  assert.deepEqual(recheckClasses(cs), { negative: ['d', 'b'], others: ['e', 'a'] });
  assert.equal(cropsClass(cs, null), 'd');
  assert.equal(cropsClass(cs, 'a'), 'a');
  assert.equal(cropsClass(cs, 'c'), 'd', 'a class without a gap cannot be re-checked');
  assert.equal(cropsClass([cls('c', null)], 'c'), null);
});

test('a negative gap whose interval reaches 0 is no re-check candidate', () => {
  const open = { ...cls('f', -0.1), gap: { value: -0.1, lo: -0.3, hi: 0, k: 10 } };
  assert.deepEqual(recheckClasses([open, cls('d', -0.3)]), { negative: ['d'], others: ['f'] });
});
