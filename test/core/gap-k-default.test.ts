import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GAP_K, gapHighEnd, gapKFor } from '../../src/core/gap';

test('the gap k default is one constant: the VS Code setting declares the same default as the engine and the CLI', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8'));
  assert.equal(pkg.contributes.configuration.properties['spuriosityLens.gapK'].default, DEFAULT_GAP_K);
});

test('gapHighEnd: the k highest-spuriosity images, k capped at half the class as the gap caps it', () => {
  const r = { cls: 0, split: 'val' as const, order: Int32Array.from([3, 1, 0, 2, 4]), scores: Float32Array.from([0.1, 0.2, 0.3, 0.4, 0.5]), zeroSigma: [] };
  assert.equal(gapKFor(10, 5), 2);
  assert.deepEqual(gapHighEnd(r, 10), [4, 2]);
  assert.deepEqual(gapHighEnd(r, 1), [4]);
});
