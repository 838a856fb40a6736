// Mask suggestions beside the annotations: planning (top-activating training images per top feature), the file built
// from scores, accepting (a person's label is never overwritten; accepted ones carry their origin into the
// annotation file and back), and rankings from accepted suggestions alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { parseAnnotations } from '../../src/core/annotations';
import { pairScore } from '../../src/core/maskScore';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { AnnotationFileStore } from '../../src/engine/annotations/store';
import { acceptSuggestions, planMaskScore } from '../../src/engine/analysis/maskSuggest';
import { readSuggestionFile, suggestionsFromScores, writeSuggestionFile, type SuggestionFile } from '../../src/engine/annotations/suggestions';
import type { MaskScoreResult } from '../../src/engine/masks/maskScoreJob';
import { cueFixture } from '../helpers/sessionFixture';

const meta = { model: { sha256: 'ab'.repeat(32), name: 'm' }, dataset: '/d', source: '/d/masks', imagesPerFeature: 20, now: new Date('2026-01-01T00:00:00Z') };

/** Scores for the fixture's pairs: feature 2 (the cue) fires off the object, the others on it. */
function scores(s: AnalysisSession): MaskScoreResult {
  const items = planMaskScore(s, 20);
  return {
    pairs: items.map((it) => ({
      cls: it.cls, feature: it.feature, noMask: 0, noMap: 0,
      score: pairScore(it.entries.map(() => ({ share: it.feature === 2 ? 0.05 : 0.6 }))),
    })),
    maskProblems: [], mapFailures: [], grid: { h: 2, w: 2 },
  };
}

test('planMaskScore takes each top feature\'s most-activating training images of the class', () => {
  const { dataset, extraction } = cueFixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0, topK: 2 });
  const items = planMaskScore(s, 5);
  assert.equal(items.length, 4);
  for (const it of items) {
    assert.equal(it.entries.length, 5);
    assert.ok(it.entries.every((e) => e.split === 'train' && e.label === it.cls));
    const acts = it.entries.map((e) => s.activation(s.indexOf(e.rel)!, it.feature));
    assert.deepEqual(acts, [...acts].sort((a, b) => b - a), 'descending activation');
  }
});

test('accepting never overwrites a person\'s label, records the origin, and gives rankings on its own', async () => {
  const { dataset, extraction } = cueFixture();
  const dir = mkdtempSync(join(tmpdir(), 'spl-sugg-'));
  const store = await AnnotationFileStore.open(join(dir, 'annotations.json'), meta.model, '/d');
  const s = AnalysisSession.create(dataset, extraction, store, { bootstrap: 0, topK: 3 });
  assert.equal(s.gaps.classes.length, 0, 'no label yet: no ranking');
  const file = suggestionsFromScores(scores(s), meta);
  assert.equal(file.pairs.a['2'].suggestion, 'spurious');
  assert.equal(file.pairs.a['0'].suggestion, 'core');
  // a person says class b's feature 2 is core
  await s.setLabel('b', 2, { label: 'core' });
  const out = await acceptSuggestions(s, file);
  assert.equal(out.keptPersonLabels, 1);
  assert.equal(out.accepted, 5);
  const saved = parseAnnotations(readFileSync(store.path, 'utf8'));
  assert.deepEqual(saved.labels.b['2'].label, 'core');
  assert.equal(saved.labels.b['2'].origin, undefined, 'the person\'s label is untouched');
  assert.deepEqual(saved.labels.a['2'].origin, { by: 'mask-suggestion', source: '/d/masks', score: 0.05 });
  assert.equal(saved.labels.a['2'].subtype, 'background');
  assert.ok(s.gaps.classes.some((g) => s.classNames[g.cls] === 'a'), 'class a is ranked from the accepted suggestion alone');
  // re-opened, the origin is still there
  const again = await AnnotationFileStore.open(store.path, meta.model, '/d');
  assert.ok(again.entries().find((e) => e.cls === 'a' && e.feature === 2)?.verdict.origin);
  // a second accept updates machine labels but still keeps the person's
  const second = await acceptSuggestions(s, file, { classes: ['a'] });
  assert.deepEqual(second, { accepted: 3, keptPersonLabels: 0 });
});

test('a suggestions file round-trips and a broken one is named', async () => {
  const { dataset, extraction } = cueFixture();
  const s = AnalysisSession.create(dataset, extraction, new MemoryLabelStore(), { bootstrap: 0 });
  const file: SuggestionFile = suggestionsFromScores(scores(s), meta);
  const dir = mkdtempSync(join(tmpdir(), 'spl-sugg-'));
  await writeSuggestionFile(join(dir, 's.json'), file);
  assert.deepEqual(await readSuggestionFile(join(dir, 's.json')), file);
  assert.equal(await readSuggestionFile(join(dir, 'none.json')), null);
  await writeSuggestionFile(join(dir, 'bad.json'), { version: 2 } as unknown as SuggestionFile);
  await assert.rejects(readSuggestionFile(join(dir, 'bad.json')), /bad\.json: not a suggestions file/);
});

test('an annotation file with a malformed origin is refused with its field', () => {
  const text = JSON.stringify({ version: 1, model: meta.model, dataset: '/d', labels: { a: { 2: { label: 'core', at: '2026-01-01T00:00:00Z', origin: { by: 'mask-suggestion', source: 'x', score: 3 } } } } });
  assert.throws(() => parseAnnotations(text, 'f.json'), /labels\.a\.2\.origin\.score: score must be a number in \[0, 1\]/);
});
