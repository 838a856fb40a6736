import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ClassSummary } from '../../src/shared/protocol';
import { filterClasses, nextSort, NO_FILTER, sortClasses } from '../../src/webview/overview-view/overview.logic';

const row = (name: string, gap: number | null, extra: Partial<ClassSummary> = {}): ClassSummary => ({
  name, index: 0, images: 10, valImages: 5, accuracy: 0.5, spuriousFeatures: gap === null ? 0 : 1, labeled: true,
  gap: gap === null ? null : { value: gap, lo: gap - 0.05, hi: gap + 0.05, k: 3 }, negative: gap !== null && gap < 0, ...extra,
});
const rows = [row('b', 0.2), row('a', null), row('c', -0.1), row('d', 0.2, { labeled: false }), row('E', 0.05, { accuracy: null })];

test('sorting by gap puts classes without a gap last in both directions, ties by name', () => {
  assert.deepEqual(sortClasses(rows, 'gap', 'desc').map((r) => r.name), ['b', 'd', 'E', 'c', 'a']);
  assert.deepEqual(sortClasses(rows, 'gap', 'asc').map((r) => r.name), ['c', 'E', 'b', 'd', 'a']);
  assert.deepEqual(sortClasses(rows, 'accuracy', 'asc').at(-1)?.name, 'E');
  assert.deepEqual(sortClasses(rows, 'name', 'asc').map((r) => r.name), ['a', 'b', 'c', 'd', 'E']);
});

test('sorting does not modify its input', () => {
  const copy = rows.map((r) => r.name);
  sortClasses(rows, 'gap', 'asc');
  assert.deepEqual(rows.map((r) => r.name), copy);
});

test('filters combine', () => {
  assert.equal(filterClasses(rows, NO_FILTER).length, 5);
  assert.deepEqual(filterClasses(rows, { ...NO_FILTER, text: ' e ' }).map((r) => r.name), ['E']);
  assert.deepEqual(filterClasses(rows, { ...NO_FILTER, onlyNegative: true }).map((r) => r.name), ['c']);
  const open = row('f', -0.1, { gap: { value: -0.1, lo: -0.3, hi: 0, k: 3 } });
  assert.deepEqual(filterClasses([...rows, open], { ...NO_FILTER, onlyNegative: true }).map((r) => r.name), ['c'], 'an interval reaching 0 is not negative');
  assert.deepEqual(filterClasses(rows, { ...NO_FILTER, onlyWithSpurious: true, onlyUnlabeled: true }).map((r) => r.name), ['d']);
});

test('header clicks flip the direction of the same column and start new columns sensibly', () => {
  assert.deepEqual(nextSort({ by: 'gap', dir: 'desc' }, 'gap'), { by: 'gap', dir: 'asc' });
  assert.deepEqual(nextSort({ by: 'gap', dir: 'desc' }, 'name'), { by: 'name', dir: 'asc' });
  assert.deepEqual(nextSort({ by: 'name', dir: 'asc' }, 'accuracy'), { by: 'accuracy', dir: 'desc' });
});
