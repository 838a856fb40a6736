import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassPage } from '../../src/shared/protocol';
import { columnsFromLefts, moveFocus, PageCache, prefetchRange, scrollToShow, type GalleryKey } from '../../src/webview/class-view/gallery.logic';

const key: GalleryKey = { class: 'dog', order: 'asc', split: 'val', overlay: false };
const page = (offset: number, n: number, total: number, k: GalleryKey = key): ClassPage => ({
  class: k.class, order: k.order, split: k.split, overlay: k.overlay, offset, total,
  items: Array.from({ length: n }, (_, i) => ({ id: `dog/${offset + i}.jpg`, thumbUri: 'u', spuriosity: 0, label: 'dog', predicted: 'dog', correct: true })),
});

test('each page is claimed once, and only the pages covering the range', () => {
  const c = new PageCache(key, 10);
  assert.deepEqual(c.claimMissing(5, 25), [0, 10, 20]);
  assert.deepEqual(c.claimMissing(0, 29), [], 'pending pages are not asked again');
  assert.ok(c.put(page(10, 10, 10000)));
  assert.deepEqual(c.claimMissing(0, 39), [30]);
  assert.equal(c.items.get(15)?.id, 'dog/15.jpg');
  assert.equal(c.total, 10000);
});

test('pages past the end are never claimed once the total is known', () => {
  const c = new PageCache(key, 10);
  c.put(page(0, 10, 23));
  assert.deepEqual(c.claimMissing(0, 100), [10, 20]);
});

test('a page for another key is refused', () => {
  const c = new PageCache(key, 10);
  assert.equal(c.put(page(0, 10, 100, { ...key, order: 'desc' })), false);
  assert.equal(c.items.size, 0);
  assert.equal(c.total, null);
});

test('resetPending lets a lost request be made again', () => {
  const c = new PageCache(key, 10);
  c.claimMissing(0, 9);
  c.resetPending();
  assert.deepEqual(c.claimMissing(0, 9), [0]);
});

test('prefetch extends by one screen each way within bounds', () => {
  assert.deepEqual(prefetchRange(100, 119, 10000), [80, 139]);
  assert.deepEqual(prefetchRange(0, 19, 30), [0, 29]);
});

test('moveFocus: arrows by tile and row, edges stay, a shorter last row is reached, Home/End/PageUp/PageDown', () => {
  // 10 tiles in 4 columns:  0 1 2 3 / 4 5 6 7 / 8 9
  const m = (i: number, key: string, pageRows = 1) => moveFocus(i, key, 4, 10, pageRows);
  assert.equal(m(5, 'ArrowRight'), 6);
  assert.equal(m(5, 'ArrowLeft'), 4);
  assert.equal(m(4, 'ArrowLeft'), 3, 'left from a row start wraps to the end of the row above (reading order)');
  assert.equal(m(0, 'ArrowLeft'), 0, 'the first tile stays');
  assert.equal(m(9, 'ArrowRight'), 9, 'the last tile stays');
  assert.equal(m(5, 'ArrowUp'), 1);
  assert.equal(m(2, 'ArrowUp'), 2, 'the top row stays');
  assert.equal(m(1, 'ArrowDown'), 5);
  assert.equal(m(5, 'ArrowDown'), 9, 'same column in the last row');
  assert.equal(m(6, 'ArrowDown'), 9, 'no tile below in the shorter last row: its last tile');
  assert.equal(m(8, 'ArrowDown'), 8, 'the last row stays');
  assert.equal(m(6, 'Home'), 0);
  assert.equal(m(2, 'End'), 9);
  assert.equal(m(2, 'PageDown', 2), 9, 'two rows down from column 2 is past the end: the last row in that column, or its last tile');
  assert.equal(m(1, 'PageDown', 2), 9);
  assert.equal(m(0, 'PageDown', 2), 8);
  assert.equal(m(9, 'PageUp', 2), 1, 'same column, two rows up');
  assert.equal(m(5, 'PageUp', 5), 1, 'at most to the top row, same column');
  assert.equal(m(5, 'Enter'), null, 'keys that do not move the focus');
  assert.equal(m(5, 'a'), null);
  assert.equal(moveFocus(0, 'ArrowDown', 4, 0), null, 'an empty gallery');
  assert.equal(moveFocus(3, 'ArrowDown', 1, 10), 4, 'one column: down is next');
  assert.equal(moveFocus(40, 'ArrowLeft', 4, 10), 8, 'a stale index past the end is clamped first');
});

test('columnsFromLefts counts distinct column positions of rendered tiles', () => {
  assert.equal(columnsFromLefts([8, 148, 288, 8.4, 148.2]), 3);
  assert.equal(columnsFromLefts([]), 1);
});

test('scrollToShow scrolls the least that shows a row whole, with a margin', () => {
  assert.equal(scrollToShow(100, 50, 0, 400), null, 'in view');
  assert.equal(scrollToShow(500, 50, 0, 400, 8), 158, 'below: its bottom at the view\'s bottom');
  assert.equal(scrollToShow(100, 50, 300, 400, 8), 92, 'above: its top at the view\'s top');
  assert.equal(scrollToShow(4, 50, 300, 400, 8), 0);
});
