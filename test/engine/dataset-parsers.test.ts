import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatCsvRecord, readCsv as parseCsv } from '../../src/core/csv';
import { parseJsonl } from '../../src/engine/dataset/jsonl';
import { ManifestError, parseCsvManifest, parseJsonlManifest } from '../../src/engine/dataset/manifest';
import { hashSplit } from '../../src/engine/dataset/split';

test('parseCsv handles RFC 4180 quoting: commas, doubled quotes, newlines inside quotes, CRLF', () => {
  const text = 'path,label\r\n"a,b.jpg","say ""hi"""\r\n"multi\nline.png",x\nplain.jpg,\n';
  const recs = parseCsv(text);
  assert.deepEqual(recs.map((r) => r.fields), [['path', 'label'], ['a,b.jpg', 'say "hi"'], ['multi\nline.png', 'x'], ['plain.jpg', '']]);
  assert.deepEqual(recs.map((r) => r.line), [1, 2, 3, 5]);
  assert.ok(recs.every((r) => r.error === undefined));
});

test('parseCsv flags malformed records with their line and keeps going', () => {
  const recs = parseCsv('a,b\n"x"y,z\nok,1\nbad"quote,2\n"never closed,3\n');
  assert.equal(recs[1].line, 2);
  assert.match(recs[1].error ?? '', /after a closing quote/);
  assert.deepEqual(recs[2], { line: 3, fields: ['ok', '1'] });
  assert.match(recs[3].error ?? '', /quote inside an unquoted field/);
  assert.equal(recs[4].line, 5);
  assert.match(recs[4].error ?? '', /unterminated/);
});

test('parseCsv drops a BOM and blank lines', () => {
  assert.deepEqual(parseCsv('\ufeffa,b\n\n\nc,d').map((r) => [r.line, r.fields]), [[1, ['a', 'b']], [4, ['c', 'd']]]);
});

test('property: formatCsvRecord then parseCsv round-trips any records', () => {
  const record = fc.array(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', 'é', 'x', '\r\n') }), { minLength: 1, maxLength: 5 })
    .filter((r) => !(r.length === 1 && r[0] === ''));
  fc.assert(fc.property(fc.array(record, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), (records, eol) => {
    const text = records.map(formatCsvRecord).join(eol) + eol;
    const parsed = parseCsv(text);
    assert.deepEqual(parsed.map((r) => r.fields), records);
    assert.ok(parsed.every((r) => r.error === undefined));
  }), { numRuns: 300 });
});

test('property: parseCsv never throws and reports increasing line numbers on arbitrary text', () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '\r', ' ', '\ufeff') }), (text) => {
    const recs = parseCsv(text);
    for (let i = 1; i < recs.length; i++) assert.ok(recs[i].line > recs[i - 1].line);
    assert.ok(recs.every((r) => r.line >= 1 && r.fields.length >= 1));
  }), { numRuns: 500 });
});

test('parseJsonl parses each non-blank line and flags bad JSON by line', () => {
  const recs = parseJsonl('{"path":"a.jpg","label":"x"}\n\nnot json\r\n[1,2]\n');
  assert.deepEqual(recs[0], { line: 1, value: { path: 'a.jpg', label: 'x' } });
  assert.equal(recs[1].line, 3);
  assert.ok('error' in recs[1]);
  assert.deepEqual(recs[2], { line: 4, value: [1, 2] });
});

test('property: JSONL round-trips JSON values and never throws on garbage', () => {
  fc.assert(fc.property(fc.array(fc.jsonValue(), { maxLength: 6 }), (values) => {
    const recs = parseJsonl(values.map((v) => JSON.stringify(v)).join('\n'));
    assert.deepEqual(recs.map((r) => ('value' in r ? r.value : r.error)), values.map((v) => JSON.parse(JSON.stringify(v))));
  }), { numRuns: 200 });
  fc.assert(fc.property(fc.string(), (text) => { parseJsonl(text); }), { numRuns: 300 });
});

test('CSV manifest: columns in any order, split mapping, bad rows reported with line numbers', () => {
  const { rows, bad } = parseCsvManifest('Label, PATH ,split\ncat,a.jpg,train\ndog,b.jpg,Validation\ncat,c.jpg,\ncat,d.jpg,holdout\n,e.jpg,train\ncat,f.jpg\ncat,"",val\n', 'm.csv');
  assert.deepEqual(rows, [
    { line: 2, path: 'a.jpg', label: 'cat', split: 'train' },
    { line: 3, path: 'b.jpg', label: 'dog', split: 'validation' },
    { line: 4, path: 'c.jpg', label: 'cat', split: null },
  ]);
  assert.deepEqual(bad.map((b) => b.line), [5, 6, 7, 8]);
  assert.match(bad[0].problem, /unknown split 'holdout'/);
  assert.match(bad[1].problem, /label/);
  assert.match(bad[2].problem, /has 2 fields, the header has 3/);
  assert.match(bad[3].problem, /path/);
});

test('CSV manifest without path/label header is refused as a whole, naming the file', () => {
  assert.throws(() => parseCsvManifest('a.jpg,cat\n', 'data/m.csv'), (e: unknown) => e instanceof ManifestError && /data\/m\.csv.*path,label/.test(e.message));
  assert.throws(() => parseCsvManifest('', 'm.csv'), ManifestError);
});

test('JSONL manifest: numeric labels accepted, wrong shapes reported', () => {
  const { rows, bad } = parseJsonlManifest('{"path":"a.jpg","label":3}\n{"path":"b.jpg","label":"x","split":"test"}\n"str"\n{"path":1,"label":"x"}\n{"path":"c.jpg","label":"x","split":5}\n{oops\n');
  assert.deepEqual(rows, [{ line: 1, path: 'a.jpg', label: '3', split: null }, { line: 2, path: 'b.jpg', label: 'x', split: 'test' }]);
  assert.deepEqual(bad.map((b) => b.line), [3, 4, 5, 6]);
});

test('property: manifest parsers never throw anything but ManifestError', () => {
  fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', ',', '"', '\n', '{', '}', ':', 'path', 'label', 'split', 'train') }), (text) => {
    try { parseCsvManifest(text, 'm.csv'); } catch (e) { assert.ok(e instanceof ManifestError, String(e)); }
    parseJsonlManifest(text);
  }), { numRuns: 500 });
});

test('hashSplit is deterministic and puts about 80% in train', () => {
  const paths = Array.from({ length: 4000 }, (_, i) => `class${i % 7}/img_${i}.jpg`);
  const first = paths.map(hashSplit);
  assert.deepEqual(paths.map(hashSplit), first);
  const train = first.filter((s) => s === 'train').length / paths.length;
  // Binomial(4000, 0.8) has sd 0.0063: 0.77..0.83 is about five sd.
  assert.ok(train > 0.77 && train < 0.83, `train fraction ${train}`);
});
