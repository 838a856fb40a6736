import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { applyReviewChange, emptyReview, parseReview, serializeReview } from '../../src/engine/review/reviewFile';
import { defaultReviewPath, readReviewFile, reviewExcluded, ReviewFileStore, writeReviewFile } from '../../src/engine/review/store';

const root = join('test', '.fixtures', 'review-store');
const AT = '2026-02-03T04:05:06.000Z';

async function fresh(name: string): Promise<string> {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

const doc = (images: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ version: 1, dataset: '/d', images, ...extra }, null, 2);

test('default path sits beside the annotations in the dataset folder', () => {
  assert.equal(defaultReviewPath('/data/birds'), join('/data/birds', '.spuriosity', 'review.json'));
});

test('parse: a valid file round-trips through stable text with sorted keys', () => {
  const f = parseReview(doc({ 'b/2.png': { excluded: true, at: AT }, 'a/1.png': { at: AT, labelError: true, note: 'a cat' } }));
  assert.deepEqual(f.images['a/1.png'], { labelError: true, note: 'a cat', at: AT });
  const text = serializeReview(f);
  assert.equal(text, serializeReview(parseReview(text)));
  assert.ok(text.indexOf('"a/1.png"') < text.indexOf('"b/2.png"'), 'image ids in sorted order');
  assert.match(text, /^\{\n {2}"dataset": "\/d",\n {2}"images": \{/);
  assert.ok(text.endsWith('"version": 1\n}\n'));
});

test('parse: bad input is named by file, line, column and field', () => {
  const cases: Array<[string, RegExp]> = [
    ['{"version": 1, "dataset": "/d", "images": {', /r\.json:1:\d+: not valid JSON/],
    ['[1]', /r\.json:1:1: the file must hold a JSON object/],
    [doc({}, { version: 2 }), /r\.json:\d+:\d+: version: version must be 1, got 2/],
    [doc({}, { extra: 1 }), /r\.json:\d+:\d+: extra: unknown field; valid fields here are version, dataset, images/],
    [doc([]), /images: images must be an object/],
    [doc({ '../x.png': { excluded: true, at: AT } }), /images\.\.\.\/x\.png: an image id is a path relative to the dataset root/],
    [doc({ '/abs.png': { excluded: true, at: AT } }), /an image id is a path relative/],
    [doc({ 'a.png': { excluded: 'yes', at: AT } }), /images\.a\.png\.excluded: must be true or false, got "yes"/],
    [doc({ 'a.png': { excluded: true } }), /images\.a\.png: missing field "at"/],
    [doc({ 'a.png': { excluded: true, at: 'yesterday' } }), /images\.a\.png\.at: must be an ISO 8601 timestamp, got "yesterday"/],
    [doc({ 'a.png': { excluded: true, at: AT, why: 'x' } }), /images\.a\.png\.why: unknown field; valid fields here are labelError, excluded, note, at/],
    [doc({ 'a.png': { excluded: true, at: AT, note: 3 } }), /images\.a\.png\.note: must be a string, got 3/],
  ];
  for (const [text, re] of cases) assert.throws(() => parseReview(text, 'r.json'), re, text);
  assert.deepEqual(parseReview(doc({ 'a.png': { excluded: false, labelError: false, at: AT } })).images, {}, 'both flags false: no mark');
  // the line points at the offending value
  const text = doc({ 'a.png': { excluded: true, at: AT }, 'b.png': { excluded: 1, at: AT } });
  const line = text.split('\n').findIndex((l) => l.includes('"excluded": 1')) + 1;
  assert.throws(() => parseReview(text, 'r.json'), new RegExp(`r\\.json:${line}:\\d+: images\\.b\\.png\\.excluded`));
});

test('applyReviewChange sets and clears flags independently; an entry with no flag goes', () => {
  let f = emptyReview('/d');
  f = applyReviewChange(f, 'a/1.png', { labelError: true }, AT);
  f = applyReviewChange(f, 'a/1.png', { excluded: true }, AT);
  assert.deepEqual(f.images['a/1.png'], { labelError: true, excluded: true, at: AT });
  f = applyReviewChange(f, 'a/1.png', { labelError: false }, AT);
  assert.deepEqual(f.images['a/1.png'], { excluded: true, at: AT });
  f = applyReviewChange(f, 'a/1.png', { excluded: false }, AT);
  assert.deepEqual(f.images, {});
  assert.throws(() => applyReviewChange(f, '../x', { excluded: true }, AT), /relative to the dataset root/);
});

test('store: marks persist across reopen, writes are serial, no temporary files are left', async () => {
  const dir = await fresh('roundtrip');
  const path = defaultReviewPath(dir);
  assert.equal(await readReviewFile(path), null);
  assert.deepEqual(await reviewExcluded(path), []);
  const s = await ReviewFileStore.open(path, dir, () => new Date(AT));
  await Promise.all([
    s.change('cat/1.png', { excluded: true }),
    s.change('cat/2.png', { labelError: true }),
    s.change('dog/3.png', { excluded: true, labelError: true }),
  ]);
  await s.change('dog/3.png', { excluded: false });
  const again = await ReviewFileStore.open(path, dir);
  assert.deepEqual(again.excluded(), ['cat/1.png']);
  assert.deepEqual([...again.labelErrors()].sort(), ['cat/2.png', 'dog/3.png']);
  assert.deepEqual(await reviewExcluded(path), ['cat/1.png']);
  assert.deepEqual(await readdir(join(dir, '.spuriosity')), ['review.json']);
});

test('a malformed review file is reported with file:line and never overwritten', async () => {
  const dir = await fresh('corrupt');
  const path = join(dir, 'review.json');
  await writeReviewFile(path, applyReviewChange(emptyReview(dir), 'a.png', { excluded: true }, AT));
  const text = (await readFile(path, 'utf8')).replace('"excluded": true', '"excluded": true,');
  await writeFile(path, text);
  await assert.rejects(ReviewFileStore.open(path, dir), /review\.json:\d+:\d+: not valid JSON/);
  await assert.rejects(reviewExcluded(path), /review\.json:\d+:\d+/);
  await assert.rejects(writeReviewFile(path, emptyReview(dir)), /refusing to overwrite .*review\.json.*not a valid review file/);
  assert.equal(await readFile(path, 'utf8'), text);
});

test('store: a hand edit made while the panel is open is kept by the next change', async () => {
  const dir = await fresh('hand-edit');
  const path = defaultReviewPath(dir);
  const s = await ReviewFileStore.open(path, dir, () => new Date(AT));
  await s.change('a.png', { excluded: true });
  const edited = JSON.parse(await readFile(path, 'utf8'));
  edited.images['b.png'] = { labelError: true, note: 'typed by hand', at: AT };
  await writeFile(path, JSON.stringify(edited));
  await s.change('c.png', { excluded: true });
  assert.deepEqual(Object.keys((await readReviewFile(path))!.images), ['a.png', 'b.png', 'c.png']);
  assert.deepEqual(s.excluded(), ['a.png', 'c.png']);
  await writeFile(path, '{');
  await assert.rejects(s.change('d.png', { excluded: true }), /review\.json:1:2: not valid JSON/);
  assert.equal(await readFile(path, 'utf8'), '{');
  assert.deepEqual(s.excluded(), ['a.png', 'c.png'], 'a refused change leaves the store as it was');
});
