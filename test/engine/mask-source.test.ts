// Which masks the extension's suggestions use: a configured segmenter first, then a configured masks folder, then
// <dataset>/masks; a missing one is a reason the user reads, not a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chooseMaskSource } from '../../src/engine/masks/maskSource';

const root = mkdtempSync(join(tmpdir(), 'mask-source-'));

test('no setting and no <dataset>/masks: no source, and the reason names the folder and both settings', () => {
  const r = chooseMaskSource(root, { masksFolder: '', segmenterPath: '' });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.why, new RegExp(`${join(root, 'masks').replace(/[/\\]/g, '.')} does not exist.*masksFolder.*segmenterPath`));
});

test('<dataset>/masks is used when present; a relative masksFolder setting is taken from the dataset root', () => {
  mkdirSync(join(root, 'masks'));
  mkdirSync(join(root, 'other'));
  assert.deepEqual(chooseMaskSource(root, { masksFolder: '', segmenterPath: '' }), { ok: true, source: { kind: 'folder', dir: join(root, 'masks') }, label: `masks ${join(root, 'masks')}` });
  const r = chooseMaskSource(root, { masksFolder: 'other', segmenterPath: '' });
  assert.deepEqual(r.ok && r.source, { kind: 'folder', dir: join(root, 'other') });
});

test('a masksFolder setting that is not a folder is reported, not replaced by <dataset>/masks', () => {
  writeFileSync(join(root, 'file.txt'), 'x');
  const r = chooseMaskSource(root, { masksFolder: join(root, 'file.txt'), segmenterPath: '' });
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.why, /spuriosityLens\.masksFolder is not a folder/);
});

test('a segmenter setting wins over masks; a missing segmenter file is reported', () => {
  writeFileSync(join(root, 'seg.onnx'), 'x');
  const r = chooseMaskSource(root, { masksFolder: 'other', segmenterPath: 'seg.onnx' });
  assert.deepEqual(r.ok && r.source, { kind: 'segmenter', modelPath: join(root, 'seg.onnx') });
  const missing = chooseMaskSource(root, { masksFolder: '', segmenterPath: '/nowhere/seg.onnx' });
  assert.equal(missing.ok, false);
  assert.match(missing.ok ? '' : missing.why, /segmenterPath does not exist: \/nowhere\/seg\.onnx/);
});
