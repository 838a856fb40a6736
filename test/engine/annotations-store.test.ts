import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  AnnotationFileStore, AnnotationModelMismatchError, defaultAnnotationPath, readAnnotationFile, writeAnnotationFile,
} from '../../src/engine/annotations/store';
import { emptyAnnotations, setFeatureLabel } from '../../src/core/annotations';

const SHA = '0123456789abcdef'.repeat(4);
const model = { sha256: SHA, name: 'resnet' };
const root = join('test', '.fixtures', 'annotations-store');

async function fresh(name: string): Promise<string> {
  const dir = join(root, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  return dir;
}

test('default path sits in the dataset folder and is keyed by the first 8 hex digits of the model hash', () => {
  assert.equal(defaultAnnotationPath('/data/birds', SHA), join('/data/birds', '.spuriosity', 'annotations.01234567.json'));
  assert.throws(() => defaultAnnotationPath('/d', 'xyz'), /8 lowercase hex digits/);
});

test('store: labels persist across reopen, writes are serial, and no temporary files are left behind', async () => {
  const dir = await fresh('roundtrip');
  const path = defaultAnnotationPath(dir, SHA);
  assert.equal(await readAnnotationFile(path), null);
  const s = await AnnotationFileStore.open(path, model, 'birds', () => new Date('2026-02-03T04:05:06Z'));
  await Promise.all([
    s.set('water', 3, { label: 'spurious', subtype: 'background' }),
    s.set('water', 4, { label: 'core', note: 'wing' }),
    s.set('land', 1, { label: 'spurious' }),
  ]);
  await s.set('land', 1, null);
  const again = await AnnotationFileStore.open(path, model, 'birds');
  assert.deepEqual(again.entries().sort((a, b) => a.feature - b.feature), [
    { cls: 'water', feature: 3, verdict: { label: 'spurious', subtype: 'background' } },
    { cls: 'water', feature: 4, verdict: { label: 'core', note: 'wing' } },
  ]);
  assert.equal(again.file.labels.water['3'].at, '2026-02-03T04:05:06.000Z');
  assert.deepEqual(await readdir(join(dir, '.spuriosity')), ['annotations.01234567.json']);
});

test('a malformed file is reported with file:line and never overwritten', async () => {
  const dir = await fresh('corrupt');
  const path = join(dir, 'a.json');
  const good = emptyAnnotations(model, 'birds');
  await writeAnnotationFile(path, setFeatureLabel(good, 'c', 1, { label: 'core', at: '2026-01-01T00:00:00Z' }));
  const text = (await readFile(path, 'utf8')).replace('"core"', '"core",');
  await writeFile(path, text);
  const line = text.split('\n').findIndex((l) => l.includes('"core",')) + 2;
  await assert.rejects(readAnnotationFile(path), new RegExp(`a\\.json:${line}:\\d+: not valid JSON`));
  await assert.rejects(AnnotationFileStore.open(path, model, 'birds'), /a\.json:\d+:\d+/);
  await assert.rejects(writeAnnotationFile(path, good), new RegExp(`refusing to overwrite .*a\\.json:${line}:`));
  assert.equal(await readFile(path, 'utf8'), text);
});

test('a file made for another model is refused, since feature indices differ between models', async () => {
  const dir = await fresh('mismatch');
  const path = join(dir, 'a.json');
  await writeAnnotationFile(path, emptyAnnotations({ sha256: 'f'.repeat(64), name: 'other' }, 'birds'));
  await assert.rejects(AnnotationFileStore.open(path, model, 'birds'), (e: unknown) => e instanceof AnnotationModelMismatchError);
});

test('a failed write leaves the in-memory labels as they were', async () => {
  const dir = await fresh('failed');
  const path = join(dir, 'a.json');
  const s = await AnnotationFileStore.open(path, model, 'birds');
  await s.set('c', 1, { label: 'core' });
  await writeFile(path, '{ broken');
  await assert.rejects(s.set('c', 2, { label: 'spurious' }), /refusing to overwrite/);
  assert.deepEqual(s.entries().map((e) => e.feature), [1]);
  assert.equal(await readFile(path, 'utf8'), '{ broken');
});
