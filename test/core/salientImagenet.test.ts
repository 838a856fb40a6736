import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseCsv, stringifyCsv } from '../../src/core/csv';
import { exportSalientCsv, parseSalientCsv, salientToAnnotations } from '../../src/core/salientImagenet';
import { emptyAnnotations, setFeatureLabel } from '../../src/core/annotations';

const HEADER = 'WorkerId,Input.wordnet_id,Input.class_index,Input.feature_index,Input.feature_rank,Answer.main,Answer.confidence,Answer.reasons';

/** Votes rows for one pair, in our own fixture format (the real file may not be redistributed). */
function votes(cls: number, feature: number, answers: string[], wnid = `n0000000${cls}`): string[] {
  return answers.map((a, w) => `W${w},${wnid},${cls},${feature},0,${a},4,"reason, with comma"`);
}

test('majority rule: 3 of 5 spurious votes make a pair spurious, 2 of 5 do not; subtype is the spurious majority', () => {
  const text = [HEADER,
    ...votes(1, 10, ['background', 'background', 'separate_object', 'main_object', 'main_object']), // 3-2 spurious, background 2-1
    ...votes(1, 11, ['background', 'separate_object', 'main_object', 'main_object', 'main_object']), // 2-3 core
    ...votes(2, 5, ['separate_object', 'separate_object', 'background', 'background', 'main_object']), // 4 spurious, 2-2 tie -> background
    ...votes(2, 6, ['separate_object', 'separate_object', 'separate_object', 'background', 'main_object']), // separate_object 3-1
  ].join('\r\n');
  const r = parseSalientCsv(text);
  assert.deepEqual(r.warnings, []);
  const v = r.pairs.map((p) => [p.classIndex, p.feature, p.label, p.subtype ?? '-']);
  assert.deepEqual(v, [[1, 10, 'spurious', 'background'], [1, 11, 'core', '-'], [2, 5, 'spurious', 'background'], [2, 6, 'spurious', 'separate_object']]);
  assert.equal(r.pairs[0].note, 'reason, with comma');
});

test('other vote counts use a strict majority of the votes cast (2-2 is core, 2-1 is spurious)', () => {
  const text = [HEADER, ...votes(3, 1, ['background', 'background', 'main_object', 'main_object']), ...votes(3, 2, ['background', 'separate_object', 'main_object'])].join('\n');
  const r = parseSalientCsv(text);
  assert.deepEqual(r.pairs.map((p) => p.label), ['core', 'spurious']);
  assert.equal(r.pairs[1].subtype, 'background'); // 1-1 tie -> first in the fixed order
});

test('bad rows are skipped with file:line warnings; a missing column is an error naming it', () => {
  const text = [HEADER, ...votes(1, 1, ['background', 'maybe']), 'W9,n1,x,3,0,background,1,'].join('\n');
  const r = parseSalientCsv(text, 'v.csv');
  assert.equal(r.pairs.length, 1);
  assert.equal(r.pairs[0].votes.background, 1);
  assert.deepEqual(r.warnings.map((w) => w.split(': ')[0]), ['v.csv:3', 'v.csv:4']);
  assert.match(r.warnings[0], /Answer\.main must be main_object, separate_object or background, got "maybe"/);
  assert.throws(() => parseSalientCsv('WorkerId,Input.class_index\n1,2', 'v.csv'), /v\.csv:1: missing column "Input\.wordnet_id"/);
});

test('export writes 5 identical votes per pair and re-import round-trips labels, subtypes and notes', () => {
  const at = '2026-01-01T00:00:00.000Z';
  let f = emptyAnnotations({ sha256: '0'.repeat(64), name: 'm' }, 'd');
  f = setFeatureLabel(f, 'tench', 3, { label: 'spurious', subtype: 'separate_object', note: 'fisherman\'s "hands"', at });
  f = setFeatureLabel(f, 'tench', 1, { label: 'core', at });
  f = setFeatureLabel(f, 'goldfish', 9, { label: 'spurious', subtype: 'background', at });
  const classes = [{ name: 'tench', index: 0, wnid: 'n01440764' }, { name: 'goldfish', index: 1, wnid: 'n01443537' }];
  const { csv } = exportSalientCsv(f, classes);
  assert.equal(parseCsv(csv).length, 1 + 3 * 5);
  const imp = parseSalientCsv(csv);
  const back = salientToAnnotations(imp, emptyAnnotations(f.model, 'd'), (_i, wnid) => classes.find((c) => c.wnid === wnid)?.name, at);
  assert.deepEqual(back.file.labels, f.labels);
  assert.deepEqual(back.unmatchedClasses, []);
});

test('property: CSV stringify -> parse returns the same rows', () => {
  const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '\r\n') });
  fc.assert(fc.property(fc.array(fc.array(field, { minLength: 1, maxLength: 5 }), { maxLength: 8 }), (rows) => {
    const parsed = parseCsv(stringifyCsv(rows)).map((r) => r.fields);
    assert.deepEqual(parsed, rows);
  }), { numRuns: 300 });
});

test('CSV errors carry the line of an unterminated quote', () => {
  assert.throws(() => parseCsv('a,b\n1,"open\n2,3\n'), /line 2: unterminated quoted field/);
});
