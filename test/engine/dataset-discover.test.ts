import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';
import { DatasetNotFoundError, discoverDataset } from '../../src/engine/dataset/discover';
import { hashSplit } from '../../src/engine/dataset/split';
import { buildHostileDataset, canReadUnreadable } from '../helpers/hostile';

const FIX = join(__dirname, '..', '.fixtures', 'dataset-discover');
// A few bytes that are not a real image are enough here: discovery never decodes.
const BYTES = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);

async function tree(name: string, files: Record<string, string | Buffer | null>): Promise<string> {
  const root = join(FIX, name);
  await fsp.rm(root, { recursive: true, force: true });
  for (const [rel, content] of Object.entries(files)) {
    const p = join(root, rel);
    await fsp.mkdir(join(p, '..'), { recursive: true });
    if (content !== null) await fsp.writeFile(p, content);
  }
  await fsp.mkdir(root, { recursive: true });
  return root;
}

const rels = (d: { images: Array<{ rel: string; split: string; label: string }> }): string[] => d.images.map((i) => `${i.split}:${i.label}:${i.rel}`);

test('ImageFolder without splits: classes from folders, nested folders belong to their class, hash split recorded', async () => {
  const root = await tree('plain', {
    'b/x.JPG': BYTES, 'b/deep/er/y.png': BYTES, 'a/1.jpeg': BYTES, 'a/2.webp': BYTES, 'a/3.tiff': BYTES, 'c/z.avif': BYTES, 'c/w.gif': BYTES, 'c/v.tif': BYTES,
  });
  const d = await discoverDataset(root);
  assert.equal(d.layout, 'imagefolder');
  assert.equal(d.validationSource, null);
  assert.deepEqual(d.classes, ['a', 'b', 'c']);
  assert.equal(d.images.length, 8);
  assert.equal(d.hashSplitCount, 8);
  for (const im of d.images) {
    assert.equal(im.split, hashSplit(im.rel));
    assert.equal(im.path, join(root, im.rel));
    assert.equal(im.size, BYTES.length);
    assert.ok(im.mtimeMs > 0);
  }
  assert.equal(d.images.find((i) => i.rel === 'b/deep/er/y.png')?.label, 'b');
  // Sorted by (split, label, rel).
  const keys = d.images.map((i) => [i.split, i.label, i.rel].join('\u0000'));
  assert.deepEqual(keys, [...keys].sort());
});

test('our own exports saved into a dataset (a report, a tuned head) are not reported as skipped files; a user file beside them is', async () => {
  const root = await tree('own-exports', {
    'a/1.jpg': BYTES, 'b/2.jpg': BYTES,
    'spuriosity-report-data.html': 'x', 'spuriosity-report.md': 'x', 'tuned-head-low-spuriosity.onnx': 'x', 'a/spuriosity-report-a.json': 'x',
    'notes.txt': 'x',
  });
  const d = await discoverDataset(root);
  assert.equal(d.images.length, 2);
  assert.deepEqual(d.skipped.map((s) => s.path), [join(root, 'notes.txt')]);
});

test('train/val splits: val preferred over validation over test, the rest reported as ignored', async () => {
  const root = await tree('splits', {
    'train/cat/1.jpg': BYTES, 'train/dog/2.jpg': BYTES, 'val/cat/3.jpg': BYTES, 'validation/cat/4.jpg': BYTES, 'test/dog/5.jpg': BYTES, 'extra/cat/6.jpg': BYTES,
  });
  const d = await discoverDataset(root);
  assert.equal(d.layout, 'imagefolder-splits');
  assert.equal(d.validationSource, 'val');
  assert.deepEqual(d.ignoredSplits, ['extra', 'test', 'validation']);
  assert.deepEqual(rels(d), ['train:cat:train/cat/1.jpg', 'train:dog:train/dog/2.jpg', 'val:cat:val/cat/3.jpg']);
  assert.equal(d.hashSplitCount, 0);

  await fsp.rm(join(root, 'val'), { recursive: true });
  const d2 = await discoverDataset(root);
  assert.equal(d2.validationSource, 'validation');
  assert.deepEqual(d2.ignoredSplits, ['extra', 'test']);
  await fsp.rm(join(root, 'validation'), { recursive: true });
  const d3 = await discoverDataset(root);
  assert.equal(d3.validationSource, 'test');
  assert.deepEqual(rels(d3), ['train:cat:train/cat/1.jpg', 'train:dog:train/dog/2.jpg', 'val:dog:test/dog/5.jpg']);
});

test('a lone train folder without a validation folder is a plain ImageFolder whose class is "train"', async () => {
  const root = await tree('train-only', { 'train/cat/1.jpg': BYTES });
  const d = await discoverDataset(root);
  assert.equal(d.layout, 'imagefolder');
  assert.deepEqual(d.classes, ['train']);
});

test('CSV manifest: quoted paths, split values mapped, missing split hashed, bad rows and missing files reported', async () => {
  const root = await tree('manifest-csv', { 'imgs/a,1.jpg': BYTES, 'imgs/b "q".png': BYTES, 'imgs/c.jpg': BYTES, 'imgs/d.jpg': BYTES, 'imgs/empty.jpg': '', 'imgs/e.txt': 'x' });
  const csv = [
    'path,label,split',
    '"imgs/a,1.jpg",cat,train',
    '"imgs/b ""q"".png","big dog",VAL',
    'imgs/c.jpg,cat,',
    'imgs/d.jpg,dog,test',
    'imgs/missing.jpg,cat,train',
    'imgs/c.jpg,dog,train',
    'imgs/x.jpg,cat,nope',
    'imgs/empty.jpg,cat,train',
    'imgs/e.txt,cat,train',
  ].join('\r\n');
  await fsp.writeFile(join(root, 'manifest.csv'), csv);
  const d = await discoverDataset(join(root, 'manifest.csv'));
  assert.equal(d.layout, 'manifest');
  assert.equal(d.root, root);
  assert.equal(d.validationSource, 'val');
  assert.deepEqual(d.ignoredSplits, ['test']);
  assert.deepEqual(d.classes, ['big dog', 'cat']);
  const c = d.images.find((i) => i.rel === 'imgs/c.jpg');
  assert.equal(c?.split, hashSplit('imgs/c.jpg'));
  assert.equal(d.hashSplitCount, 1);
  assert.ok(d.images.some((i) => i.rel === 'imgs/a,1.jpg' && i.split === 'train' && i.label === 'cat'));
  assert.ok(d.images.some((i) => i.rel === 'imgs/b "q".png' && i.split === 'val' && i.label === 'big dog'));
  // the zero-byte row is kept as an image: extraction reports it as failed ('empty')
  assert.ok(d.images.some((i) => i.rel === 'imgs/empty.jpg' && i.size === 0));
  assert.equal(d.images.length, 4);
  const why = d.skipped.map((s) => `${s.reason}|${s.detail}`);
  assert.ok(why.some((w) => /^missing\|.*line 6 of/.test(w)), why.join('\n'));
  assert.ok(why.some((w) => /^bad-manifest-row\|line 7: .*already listed on line 4/.test(w)), why.join('\n'));
  assert.ok(why.some((w) => /^bad-manifest-row\|line 8: unknown split 'nope'/.test(w)), why.join('\n'));
  assert.ok(why.some((w) => /^not-an-image\|listed on line 10/.test(w)), why.join('\n'));
});

test('JSONL manifest: splits, hash split, bad lines with numbers', async () => {
  const root = await tree('manifest-jsonl', { 'a.jpg': BYTES, 'sub/b.png': BYTES, 'c.jpg': BYTES });
  const lines = [
    JSON.stringify({ path: 'a.jpg', label: 'x', split: 'train' }),
    JSON.stringify({ path: 'sub/b.png', label: 'y', split: 'validation' }),
    JSON.stringify({ path: 'c.jpg', label: 'x' }),
    '{not json',
    JSON.stringify({ label: 'x' }),
    JSON.stringify({ path: 'gone.jpg', label: 'x', split: 'val' }),
  ];
  await fsp.writeFile(join(root, 'data.jsonl'), lines.join('\n') + '\n');
  const d = await discoverDataset(join(root, 'data.jsonl'));
  assert.equal(d.validationSource, 'val');
  assert.deepEqual(d.ignoredSplits, ['validation']);
  // 'validation' rows are ignored because 'val' rows exist (same preference as folders).
  assert.deepEqual(d.images.map((i) => i.rel).sort(), ['a.jpg', 'c.jpg']);
  assert.equal(d.hashSplitCount, 1);
  const bad = d.skipped.filter((s) => s.reason === 'bad-manifest-row').map((s) => s.detail?.split(':')[0]);
  assert.deepEqual(bad.sort(), ['line 4', 'line 5']);
  assert.ok(d.skipped.some((s) => s.reason === 'missing' && s.path === join(root, 'gone.jpg')));
});

test('hostile folder: hidden, non-image, symlink loop, dangling link, unreadable, stray image all reported; a zero-byte image kept for decoding to report; good images kept', async () => {
  const root = join(FIX, 'hostile');
  const { expected, good, ignoredSplits } = await buildHostileDataset(root);
  const d = await discoverDataset(root);
  assert.deepEqual(d.ignoredSplits, ignoredSplits);
  const byRel = new Map(d.skipped.map((s) => [s.path.slice(root.length + 1), s.reason]));
  // a zero-byte image is an image that cannot be read: extraction reports it as failed ('empty'), discovery keeps it
  const discoveryReasons = new Set(['hidden', 'not-an-image', 'symlink-loop', 'missing', 'unreadable', 'no-class']);
  assert.ok(d.images.some((i) => i.rel === 'train/cat/empty.jpg' && i.size === 0), 'the zero-byte image is listed for decoding');
  for (const e of expected) {
    if (discoveryReasons.has(e.reason)) assert.equal(byRel.get(e.rel), e.reason, `${e.rel} should be skipped as ${e.reason}`);
    else assert.ok(d.images.some((i) => i.rel === e.rel), `${e.rel} (${e.reason}) is found; decoding rejects it later`);
  }
  for (const g of good) assert.ok(d.images.some((i) => i.rel === g), `good image ${g} kept`);
  assert.equal(d.images.length, good.length + expected.filter((e) => !discoveryReasons.has(e.reason)).length);
  assert.equal(d.skipped.length, expected.filter((e) => discoveryReasons.has(e.reason)).length);
});

test('unreadable folders and files are reported when the OS enforces permissions', async (t) => {
  const root = await tree('perm', { 'a/ok.jpg': BYTES, 'a/locked.jpg': BYTES, 'b/inner.jpg': BYTES });
  await fsp.chmod(join(root, 'a/locked.jpg'), 0);
  await fsp.chmod(join(root, 'b'), 0);
  try {
    const d = await discoverDataset(root);
    if (await canReadUnreadable(root)) {
      t.diagnostic('running with permission to read chmod-000 files (root): they are readable, so nothing is skipped');
      assert.equal(d.images.length, 3);
      assert.equal(d.skipped.length, 0);
    } else {
      assert.deepEqual(d.images.map((i) => i.rel), ['a/ok.jpg']);
      assert.deepEqual(d.skipped.map((s) => s.reason).sort(), ['unreadable', 'unreadable']);
    }
  } finally {
    await fsp.chmod(join(root, 'b'), 0o755);
  }
});

test('a symlink chain that never ends is reported, not followed forever', async () => {
  const root = await tree('elooop', { 'a/ok.jpg': BYTES });
  await fsp.symlink('l2.jpg', join(root, 'a/l1.jpg'));
  await fsp.symlink('l1.jpg', join(root, 'a/l2.jpg'));
  await fsp.symlink('..', join(root, 'a/up'));
  const d = await discoverDataset(root);
  assert.deepEqual(d.images.map((i) => i.rel), ['a/ok.jpg']);
  assert.deepEqual(d.skipped.map((s) => `${s.path.slice(root.length + 1)}:${s.reason}`), ['a/l1.jpg:symlink-loop', 'a/l2.jpg:symlink-loop', 'a/up:symlink-loop']);
});

test('discovery errors name the path and the valid layouts', async () => {
  await assert.rejects(discoverDataset(join(FIX, 'no-such-dir')), (e: unknown) => e instanceof DatasetNotFoundError && /no-such-dir.*ENOENT.*ImageFolder/.test(e.message));
  const root = await tree('not-a-dataset', { 'readme.md': 'hi', 'x/notes.txt': 'x' });
  await assert.rejects(discoverDataset(root), (e: unknown) => e instanceof DatasetNotFoundError && /No usable images.*2 not-an-image.*manifest/.test(e.message));
  await assert.rejects(discoverDataset(join(root, 'readme.md')), /not a \.csv or \.jsonl manifest/);
  await fsp.writeFile(join(root, 'bad.csv'), 'file,class\na.jpg,x\n');
  await assert.rejects(discoverDataset(join(root, 'bad.csv')), /bad\.csv: the first line must be a CSV header naming the columns path,label/);
});

test('discovery of a wide tree is complete and identical whether or not it yields to the event loop', async () => {
  const files: Record<string, Buffer> = {};
  for (let c = 0; c < 20; c++) for (let i = 0; i < 50; i++) files[`class${c}/sub${i % 3}/img${i}.jpg`] = BYTES;
  const root = await tree('wide', files);
  const a = await discoverDataset(root, { sliceMs: 0 });
  const b = await discoverDataset(root, { sliceMs: 1000 });
  assert.equal(a.images.length, 1000);
  assert.deepEqual(b, a);
});
