import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassPage } from '../../src/shared/protocol';
import { PageCache, prefetchRange, type GalleryKey } from '../../src/webview/class-view/gallery.logic';

const key: GalleryKey = { class: 'dog', order: 'asc', split: 'val', overlay: false };
const page = (offset: number, n: number, total: number, k = key): ClassPage => ({
  ...k, offset, total,
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
