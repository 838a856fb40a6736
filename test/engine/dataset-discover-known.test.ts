// Discovery with the feature cache's listing: listed files take the listed size and mtime (no stat), others are stat'ed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { discoverDataset } from '../../src/engine/dataset/discover';

test('discovery takes size and mtime of files `known` lists, stats the rest, and finds the same images', async () => {
  const root = mkdtempSync(join(tmpdir(), 'spl-known-'));
  try {
    for (const split of ['train', 'val']) for (const c of ['a', 'b']) {
      mkdirSync(join(root, split, c), { recursive: true });
      for (let j = 0; j < 3; j++) writeFileSync(join(root, split, c, `${j}.png`), Buffer.alloc(10 + j));
    }
    const plain = await discoverDataset(root);
    const asked: string[] = [];
    const known = await discoverDataset(root, { known: (rel) => { asked.push(rel); return rel.startsWith('train/') ? { size: 999, mtimeMs: 42 } : undefined; } });
    assert.deepEqual(known.images.map((e) => e.rel), plain.images.map((e) => e.rel));
    assert.equal(asked.length, 12);
    for (const e of known.images) {
      if (e.split === 'train') assert.deepEqual([e.size, e.mtimeMs], [999, 42], `${e.rel}: the listing's key`);
      else assert.deepEqual([e.size, e.mtimeMs], [statSync(e.path).size, statSync(e.path).mtimeMs], `${e.rel}: stat'ed`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
