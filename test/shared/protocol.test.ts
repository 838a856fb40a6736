import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWebviewMessage, assertNever, type WebviewToHost } from '../../src/shared/protocol';

const valid: WebviewToHost[] = [
  { type: 'ready' },
  { type: 'requestClassPage', class: 'tench', order: 'asc', offset: 0, count: 60, overlay: false },
  { type: 'requestClassPage', class: 'golf ball', order: 'desc', offset: 9940, count: 500, overlay: true, split: 'train' },
  { type: 'requestClassPage', class: 'tench', order: 'asc', offset: 0, count: 60, overlay: true, heat: { mode: 'feature', feature: 70 },
    filter: { correct: false, predicted: 'golf ball', labelError: true } },
  { type: 'requestClassPage', class: 'tench', order: 'asc', offset: 0, count: 60, overlay: true, heat: { mode: 'core' }, filter: {} },
  { type: 'requestImageDetail', id: 'val/tench/img 001.jpg' },
  { type: 'requestFeatureCards', class: 'n01440764' },
  { type: 'setLabel', class: 'tench', feature: 1797, label: 'core' },
  { type: 'setLabel', class: 'tench', feature: 0, label: 'spurious', subtype: 'background' },
  { type: 'setLabel', class: 'tench', feature: 3, label: 'spurious', subtype: 'separate_object' },
  { type: 'setLabel', class: 'tench', feature: 3, label: null },
  { type: 'runMitigation', method: 'low-spuriosity' },
  { type: 'runMitigation', method: 'random' },
  { type: 'runMitigation', method: 'error' },
  { type: 'cancel', target: 'mitigation' },
  { type: 'cancel', target: 'extraction' },
  { type: 'export', kind: 'head-json' },
  { type: 'export', kind: 'head-npy' },
  { type: 'export', kind: 'onnx' },
  { type: 'openImage', id: 'train/dog/x.png' },
  { type: 'requestCollisions' },
  { type: 'requestReviewQueue' },
  { type: 'showTab', tab: 'labeling' },
  { type: 'showTab', tab: 'crops' },
  { type: 'showTab', tab: 'compare' },
  { type: 'cancel', target: 'crops' },
  { type: 'cancel', target: 'sensitivity' },
  { type: 'cancel', target: 'compare' },
  { type: 'requestImageCrop', id: 'val/church/img_00001.jpg' },
  { type: 'runCropRecheck', class: 'church' },
  { type: 'exportCrops' },
  { type: 'exportCrops', class: 'church' },
  { type: 'requestSensitivity', class: 'tench', feature: 48 },
  { type: 'runComparison' },
  { type: 'markImage', id: 'val/dog/3.png', mark: 'labelError', on: true },
  { type: 'markImage', id: 'val/dog/3.png', mark: 'excluded', on: false },
  { type: 'selectLabelingModel', model: 'ab'.repeat(32) },
  { type: 'selectLabelingModel', model: null },
  { type: 'acceptSuggestions' },
  { type: 'acceptSuggestions', class: 'tench' },
  { type: 'acceptSuggestions', class: 'tench', feature: 48 },
  { type: 'suggestLabels' },
  { type: 'cancel', target: 'suggest' },
];

test('every valid message of each type parses to an equal message', () => {
  const seen = new Set<string>();
  for (const m of valid) {
    const r = parseWebviewMessage(JSON.parse(JSON.stringify(m)));
    assert.deepEqual(r, { ok: true, msg: m }, JSON.stringify(m));
    seen.add(m.type);
  }
  assert.equal(seen.size, 21, 'the list above covers every message type');
});

test('unknown fields are dropped so the host never sees them', () => {
  const r = parseWebviewMessage({ type: 'openImage', id: 'a/b.jpg', evil: 1 });
  assert.deepEqual(r, { ok: true, msg: { type: 'openImage', id: 'a/b.jpg' } });
});

const invalid: Array<[unknown, RegExp]> = [
  [{ type: 'markImage', id: '../x.png', mark: 'excluded', on: true }, /relative path inside the dataset/],
  [{ type: 'markImage', id: 'a.png', mark: 'deleted', on: true }, /'mark' must be one of 'labelError', 'excluded'/],
  [{ type: 'markImage', id: 'a.png', mark: 'excluded', on: 1 }, /'on' must be true or false/],
  [{ type: 'selectLabelingModel', model: 'resnet' }, /'model' must be a model sha256/],
  [{ type: 'selectLabelingModel' }, /'model' must be a model sha256 .* or null, got nothing/],
  [{ type: 'acceptSuggestions', feature: 3 }, /'feature' needs field 'class'/],
  [{ type: 'acceptSuggestions', class: 'tench', feature: -1 }, /'feature'/],
  [null, /must be an object/],
  ['ready', /must be an object/],
  [[{ type: 'ready' }], /must be an object/],
  [{}, /field 'type' must be one of/],
  [{ type: 'nope' }, /'ready'/],
  [{ type: 'requestClassPage', class: 'a', order: 'up', offset: 0, count: 1, overlay: false }, /'order' must be one of 'asc', 'desc'/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: 0, count: 1, overlay: true, heat: { mode: 'feature' } }, /'feature' must be an integer/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: 0, count: 1, overlay: true, heat: { mode: 'core', feature: 3 } }, /only allowed with mode 'feature'/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: 0, count: 1, overlay: true, heat: 'core' }, /'heat' must be an object/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: 0, count: 1, overlay: false, filter: { correct: 'yes' } }, /'correct' must be true or false/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: -1, count: 1, overlay: false }, /'offset' must be an integer from 0/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: 1.5, count: 1, overlay: false }, /'offset'/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: 0, count: 0, overlay: false }, /'count' must be an integer from 1 to 500/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: 0, count: 501, overlay: false }, /'count'/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: 0, count: 5, overlay: 'yes' }, /'overlay' must be true or false/],
  [{ type: 'requestClassPage', class: 'a', order: 'asc', offset: 0, count: 5, overlay: true, split: 'test' }, /'split'/],
  [{ type: 'requestClassPage', class: 7, order: 'asc', offset: 0, count: 5, overlay: true }, /'class' must be a string, got 7/],
  [{ type: 'requestClassPage', class: '', order: 'asc', offset: 0, count: 5, overlay: true }, /'class' must not be empty/],
  [{ type: 'requestFeatureCards', class: 'x'.repeat(2000) }, /at most 1024/],
  [{ type: 'requestImageDetail', id: '../etc/passwd' }, /relative path inside the dataset/],
  [{ type: 'requestImageDetail', id: '/etc/passwd' }, /relative path/],
  [{ type: 'openImage', id: 'C:/x.jpg' }, /relative path/],
  [{ type: 'openImage', id: 'a\\b.jpg' }, /relative path/],
  [{ type: 'openImage', id: 'a//b.jpg' }, /relative path/],
  [{ type: 'openImage', id: 'a\0b' }, /NUL/],
  [{ type: 'openImage', id: 42 }, /'id' must be a string/],
  [{ type: 'setLabel', class: 'a', feature: -1, label: 'core' }, /'feature'/],
  [{ type: 'setLabel', class: 'a', feature: 1, label: 'maybe' }, /'label' must be one of 'core', 'spurious'/],
  [{ type: 'setLabel', class: 'a', feature: 1, label: 'core', subtype: 'background' }, /only allowed with label 'spurious'/],
  [{ type: 'setLabel', class: 'a', feature: 1, label: 'spurious', subtype: 'sky' }, /'subtype'/],
  [{ type: 'runMitigation', method: 'magic' }, /'method'/],
  [{ type: 'cancel' }, /'target' must be one of/],
  [{ type: 'export', kind: 'pt' }, /'kind'/],
  [{ type: 'showTab', tab: 'settings' }, /'tab'/],
  [{ type: 'cancel', target: 'everything' }, /'target' must be one of .*'compare'/],
  [{ type: 'requestImageCrop', id: '../secret.jpg' }, /relative path inside the dataset/],
  [{ type: 'runCropRecheck' }, /'class' must be a string, got nothing/],
  [{ type: 'exportCrops', class: '' }, /'class' must not be empty/],
  [{ type: 'exportCrops', class: 3 }, /'class' must be a string/],
  [{ type: 'requestSensitivity', class: 'tench' }, /'feature' must be an integer/],
  [{ type: 'requestSensitivity', class: 'tench', feature: 2.5 }, /'feature'/],
];

test('invalid messages are refused with an error naming the field and what is valid', () => {
  for (const [x, re] of invalid) {
    const r = parseWebviewMessage(x);
    assert.equal(r.ok, false, JSON.stringify(x));
    if (!r.ok) assert.match(r.error, re, JSON.stringify(x));
  }
});

test('a hostile object with throwing getters is refused, not thrown', () => {
  const hostile = { get type(): string { throw new Error('boom'); } };
  const r = parseWebviewMessage(hostile);
  assert.equal(r.ok, false);
  const proto = Object.create({ type: 'ready' }) as object;
  assert.equal(parseWebviewMessage(proto).ok, false, 'inherited fields do not count');
});

test('arbitrary junk never throws and only valid messages pass', () => {
  const junk = fc.oneof(
    fc.anything(),
    fc.record({
      type: fc.constantFrom('ready', 'requestClassPage', 'setLabel', 'openImage', 'export', 'showTab', 'cancel', 'exportCrops', 'requestSensitivity', 'x'),
      class: fc.anything(), order: fc.anything(), offset: fc.anything(), count: fc.anything(),
      overlay: fc.anything(), id: fc.anything(), feature: fc.anything(), label: fc.anything(),
      kind: fc.anything(), tab: fc.anything(), target: fc.anything(),
    }, { requiredKeys: ['type'] }),
  );
  fc.assert(fc.property(junk, (x) => {
    const r = parseWebviewMessage(x);
    if (r.ok) {
      // Whatever passes must itself re-validate unchanged: the parser is a projection.
      assert.deepEqual(parseWebviewMessage(JSON.parse(JSON.stringify(r.msg))), r);
    } else {
      assert.equal(typeof r.error, 'string');
    }
  }), { numRuns: 2000 });
});

test('a -0 integer field parses as 0 (the property run above once found the JSON round trip changed it)', () => {
  const r = parseWebviewMessage({ type: 'setLabel', class: ' ', feature: -0, label: null });
  assert.ok(r.ok);
  assert.ok(Object.is((r.msg as { feature: number }).feature, 0));
});

test('assertNever throws with the unexpected value', () => {
  assert.throws(() => assertNever('x' as never, 'message'), /Unexpected message: "x"/);
});
