import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  AnnotationError, emptyAnnotations, featureSets, parseAnnotations, serializeAnnotations, setFeatureLabel, type AnnotationFile,
} from '../../src/core/annotations';

const SHA = 'ab'.repeat(32);
const AT = '2026-01-02T03:04:05.000Z';

function sample(): AnnotationFile {
  let f = emptyAnnotations({ sha256: SHA, name: 'resnet50' }, 'birds');
  f = setFeatureLabel(f, 'waterbird', 10, { label: 'spurious', subtype: 'background', at: AT });
  f = setFeatureLabel(f, 'waterbird', 2, { label: 'core', note: 'beak', at: AT });
  f = setFeatureLabel(f, 'landbird', 7, { label: 'spurious', at: AT });
  return f;
}

test('serialisation is stable: sorted keys (feature indices numerically), 2-space indent, trailing newline', () => {
  const text = serializeAnnotations(sample());
  assert.ok(text.endsWith('}\n'));
  assert.ok(text.indexOf('"dataset"') < text.indexOf('"labels"') && text.indexOf('"labels"') < text.indexOf('"model"'));
  assert.ok(text.indexOf('"landbird"') < text.indexOf('"waterbird"'));
  assert.ok(text.indexOf('"2"') < text.indexOf('"10"'));
  assert.match(text, /\n {2}"dataset": "birds",\n/);
  assert.equal(serializeAnnotations(parseAnnotations(text)), text);
});

test('featureSets maps class names to indices and lists unknown classes', () => {
  const s = featureSets(sample(), ['landbird', 'waterbird']);
  assert.deepEqual(s.spurious, [[7], [10]]);
  assert.deepEqual(s.core, [[], [2]]);
  assert.deepEqual(featureSets(sample(), ['waterbird']).unknownClasses, ['landbird']);
});

test('syntax errors name the file, line and column', () => {
  const text = serializeAnnotations(sample()).replace('"label": "core",', '"label": "core"');
  assert.throws(() => parseAnnotations(text, 'a.json'), (e: unknown) => {
    assert.ok(e instanceof AnnotationError);
    const lines = text.split('\n');
    const bad = lines.findIndex((l) => l.includes('"label": "core"')) + 2; // the next line is where ',' was expected
    assert.equal(e.line, bad);
    assert.match(e.message, new RegExp(`^a\\.json:${bad}:\\d+: not valid JSON: expected ',' or '}'`));
    return true;
  });
});

test('validation errors name the field and point at its line', () => {
  const text = serializeAnnotations(sample()).replace('"label": "core"', '"label": "cor"');
  const line = text.split('\n').findIndex((l) => l.includes('"cor"')) + 1;
  assert.throws(() => parseAnnotations(text, 'b.json'), new RegExp(`^AnnotationError: b\\.json:${line}:\\d+: labels\\.waterbird\\.2\\.label: must be "core" or "spurious", got "cor"`));
  const sub = serializeAnnotations(sample()).replace('"note": "beak"', '"note": "beak",\n        "subtype": "background"');
  assert.throws(() => parseAnnotations(sub), /labels\.waterbird\.2\.subtype: a subtype is only valid for a spurious feature/);
  assert.throws(() => parseAnnotations('{"version": 2}'), /1:13: version: version must be 1, got 2/);
  assert.throws(() => parseAnnotations(serializeAnnotations(sample()).replace('"10"', '"010"')), /feature keys must be non-negative integers/);
  assert.throws(() => parseAnnotations(serializeAnnotations(sample()).replace('"name"', '"nam"')), /model\.nam: unknown field/);
  assert.throws(() => parseAnnotations('{"a": 1, "a": 2}'), /duplicate key "a"/);
  assert.throws(() => parseAnnotations(''), /1:1: not valid JSON/);
});

test('property: any annotation file survives serialise -> parse unchanged, and serialising is idempotent', () => {
  const ann = fc.record({
    label: fc.constantFrom('core' as const, 'spurious' as const),
    note: fc.option(fc.string(), { nil: undefined }),
    sub: fc.option(fc.constantFrom('background' as const, 'separate_object' as const), { nil: undefined }),
    at: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
  });
  const labels = fc.dictionary(fc.string({ minLength: 1 }), fc.dictionary(fc.nat(5000).map(String), ann, { maxKeys: 4 }), { maxKeys: 4 });
  fc.assert(fc.property(labels, fc.string(), (l, dataset) => {
    let f = emptyAnnotations({ sha256: SHA, name: 'm' }, dataset);
    for (const [cls, feats] of Object.entries(l)) {
      for (const [k, a] of Object.entries(feats)) {
        f = setFeatureLabel(f, cls, Number(k), {
          label: a.label, at: a.at, ...(a.note !== undefined ? { note: a.note } : {}), ...(a.label === 'spurious' && a.sub ? { subtype: a.sub } : {}),
        });
      }
    }
    const text = serializeAnnotations(f);
    const back = parseAnnotations(text);
    assert.deepEqual(JSON.parse(JSON.stringify(back)), JSON.parse(JSON.stringify(f)));
    assert.equal(serializeAnnotations(back), text);
  }), { numRuns: 200 });
});

test("an annotation file with the panel's old subtype spelling 'separate-object' reads as separate_object and is written back in the files' word", () => {
  const old = JSON.stringify({ version: 1, model: { sha256: 'ab'.repeat(32), name: 'm' }, dataset: '/d',
    labels: { tench: { '3': { label: 'spurious', subtype: 'separate-object', at: '2026-01-01T00:00:00.000Z' } } } });
  const f = parseAnnotations(old, 'old.json');
  assert.equal(f.labels.tench['3'].subtype, 'separate_object');
  assert.match(serializeAnnotations(f), /"subtype": "separate_object"/);
  assert.throws(() => parseAnnotations(old.replace('separate-object', 'separate object'), 'bad.json'), /bad\.json:\d+:\d+: .*subtype.*must be "background" or "separate_object", got "separate object"/);
});
