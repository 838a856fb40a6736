import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { auroc, trueGap } from '../../src/core/groundTruth';

test('AUROC: perfect, reversed, and tied scores (ties count one half)', () => {
  assert.equal(auroc([1, 2, 3, 4], [0, 0, 1, 1]), 1);
  assert.equal(auroc([4, 3, 2, 1], [0, 0, 1, 1]), 0);
  assert.equal(auroc([1, 1, 1, 1], [0, 1, 0, 1]), 0.5);
  // Positives {2, 3}, negatives {1, 2}: pairs (2>1)=1, (2=2)=0.5, (3>1)=1, (3>2)=1 -> 3.5 / 4.
  assert.equal(auroc([2, 3, 1, 2], [1, 1, 0, 0]), 0.875);
  assert.ok(Number.isNaN(auroc([1, 2], [1, 1])));
});

test('AUROC equals the pairwise definition on random inputs', () => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { minLength: 2, maxLength: 30 }), (rows) => {
    const s = rows.map((r) => r[0]);
    const p = rows.map((r) => r[1]);
    let num = 0, den = 0;
    for (let i = 0; i < s.length; i++) for (let j = 0; j < s.length; j++) {
      if (p[i] && !p[j]) { den++; num += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0; }
    }
    const a = auroc(s, p);
    if (den === 0) return Number.isNaN(a);
    return Math.abs(a - num / den) < 1e-12;
  }));
});

test('trueGap is accuracy with the cue minus without, over the given images', () => {
  const correct = [1, 1, 0, 1, 0, 0];
  const cue = [true, true, true, false, false, true];
  const g = trueGap(correct, cue, [0, 1, 2, 3, 4]);
  assert.equal(g.nWith, 3);
  assert.equal(g.accWithout, 0.5);
  assert.ok(Math.abs(g.gap - (2 / 3 - 0.5)) < 1e-12);
});
