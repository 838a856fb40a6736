import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterKey, keyOfPage, noFilter, PageCache, sameKey, tileTooltip } from '../../src/webview/class-view/gallery.logic';
import { restoreUiState, DEFAULT_UI } from '../../src/webview/lib/ui-state';
import type { ClassPage, ClassPageItem } from '../../src/shared/protocol';

const base = { class: 'tench', order: 'asc' as const, split: 'val' as const, overlay: true };
const page = (extra: Partial<ClassPage>): ClassPage => ({ ...base, offset: 0, items: [], total: 3, ...extra });

test('a gallery key includes the filter and, with the overlay on, what it shows', () => {
  assert.ok(sameKey({ ...base, heat: { mode: 'spurious' } }, { ...base }), 'no choice is the spurious mean');
  assert.ok(!sameKey({ ...base, heat: { mode: 'core' } }, { ...base, heat: { mode: 'spurious' } }));
  assert.ok(!sameKey({ ...base, heat: { mode: 'feature', feature: 7 } }, { ...base, heat: { mode: 'feature', feature: 8 } }));
  assert.ok(sameKey({ ...base, overlay: false, heat: { mode: 'core' } }, { ...base, overlay: false }), 'without the overlay its choice does not matter');
  assert.ok(sameKey({ ...base, filter: {} }, { ...base }), 'an empty filter is no filter');
  assert.ok(!sameKey({ ...base, filter: { correct: false } }, { ...base }));
  assert.equal(filterKey({ predicted: 'a', correct: true }), filterKey({ correct: true, predicted: 'a' }));
  assert.ok(noFilter({}) && noFilter(undefined) && !noFilter({ labelError: true }));
});

test('pages for another filter or overlay feature are ignored', () => {
  const c = new PageCache({ ...base, heat: { mode: 'feature', feature: 70 }, filter: { correct: false } }, 10);
  const heat = { mode: 'feature' as const, features: [70], colormap: 'inferno' as const, note: null };
  assert.equal(c.put(page({ heat, filter: {} })), false, 'unfiltered page');
  assert.equal(c.put(page({ heat: { ...heat, features: [71] }, filter: { correct: false } })), false, 'another feature');
  assert.equal(c.put(page({ heat, filter: { correct: false }, total: 2, classTotal: 9 })), true);
  assert.deepEqual([c.total, c.classTotal], [2, 9]);
  assert.deepEqual(keyOfPage(page({ heat: { ...heat, mode: 'core', features: [1, 2] } })).heat, { mode: 'core' });
});

test('the tile tooltip names the file, the prediction with its probability, spuriosity and rank', () => {
  const it: ClassPageItem = { id: 'val/seven/1.png', thumbUri: '', spuriosity: -1.5, label: 'seven', predicted: 'two', correct: false, confidence: 0.873, rank: 11 };
  assert.equal(tileTooltip(it, 0, 250, 'val'),
    'val/seven/1.png\npredicted two (87.3%) — wrong, label seven\nspuriosity \u22121.50\nrank 12 of 250 in validation (1 = lowest spuriosity)');
  assert.match(tileTooltip({ ...it, correct: true, confidence: null, rank: undefined, labelError: true }, 4, null, 'train'),
    /predicted two\nspuriosity .*\nrank 5 in training .*\nflagged as a label error/);
});

test('overlay, opacity and gallery filter survive a reload; bad values fall back', () => {
  const r = restoreUiState({ heat: { mode: 'feature', feature: 70 }, heatOpacity: 0.35, galleryFilter: { correct: false, predicted: 'two', labelError: true } });
  assert.deepEqual([r.heat, r.heatOpacity, r.galleryFilter], [{ mode: 'feature', feature: 70 }, 0.35, { correct: false, predicted: 'two', labelError: true }]);
  const bad = restoreUiState({ heat: { mode: 'feature', feature: -1 }, heatOpacity: 7, galleryFilter: { correct: 'no', predicted: 3 } });
  assert.deepEqual([bad.heat, bad.heatOpacity, bad.galleryFilter], [DEFAULT_UI.heat, DEFAULT_UI.heatOpacity, {}]);
});
