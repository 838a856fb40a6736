import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareModels, type ExtractRunner } from '../../src/engine/compare/compareModels';
import type { ModelChecker } from '../../src/engine/compare/checkInputs';
import { NO_GAPS, resummarise } from '../../src/engine/compare/relabel';
import { summariseModel, type ModelGaps } from '../../src/engine/compare/modelSummary';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import type { ExtractResult } from '../../src/engine/extract/types';
import { CLASSES, dataset, fakeModel } from '../helpers/compareFixture';

// The compare fixture (test/helpers/compareFixture.ts). U has no labels until the test labels it.

const fakes = new Map<string, ExtractResult>([
  ['/m/A.onnx', fakeModel('A', 'a1', [[5, 1], [4, 2], [3, 3]])],
  ['/m/B.onnx', fakeModel('B', 'b2', [[5, 2], [4, 3], [4, 4]])],
  ['/m/U.onnx', fakeModel('U', 'c3', [[5, 0], [4, 1], [5, 3]])],
]);
// takes a path or { modelPath } (the checker's argument is becoming a runner request)
const checkModel = (async (arg: string | { modelPath: string }) => fakes.get(typeof arg === 'string' ? arg : arg.modelPath)!.model) as unknown as ModelChecker;
const runExtract: ExtractRunner = async (req) => fakes.get(req.modelPath)!;
const cue = () => CLASSES.map((cls) => ({ cls, feature: 1, verdict: { label: 'spurious' as const } }));

async function compare(labelU: boolean) {
  const captured = new Map<string, ModelGaps>();
  const report = await compareModels({
    dataset, models: ['/m/A.onnx', '/m/B.onnx', '/m/U.onnx'], cacheDir: '/tmp/unused', runExtract, checkModel, analysis: { gapK: 5 },
    openLabels: async (m) => ({ store: new MemoryLabelStore(m.sha256.startsWith('c3') && !labelU ? [] : cue()), path: `/d/.spuriosity/annotations.${m.sha256.slice(0, 8)}.json` }),
    // what the extension does: keep each model's unrounded gaps for later re-summaries
    prepare: async (s, _store, id) => { captured.set(id, summariseModel(s, id, '').gaps); },
  });
  return { report, gaps: report.models.map((m) => captured.get(m.id) ?? NO_GAPS) };
}

test('labeling the unlabeled model brings it into the statistics, equal to comparing again from scratch', async () => {
  const live = await compare(false);
  assert.deepEqual(live.report.models.map((m) => m.included), [true, true, false]);
  assert.equal(live.report.fit?.beta !== undefined, true);
  assert.equal(live.report.correlation!.models.length, 2);

  const store = new MemoryLabelStore();
  const u = AnalysisSession.create(dataset, fakes.get('/m/U.onnx')!, store, { gapK: 5, bootstrap: 0 });
  for (const c of cue()) await u.setLabel(c.cls, c.feature, c.verdict);
  const next = resummarise(live, 2, u);
  const fresh = await compare(true);
  assert.deepEqual(next.report, fresh.report);
  // by hand: U's gaps are 100, 60, 40 points (5/5 vs 0/5, 4/5 vs 1/5, 5/5 vs 3/5)
  assert.deepEqual(next.report.gapTable.map((r) => r.gaps[2]), [100, 60, 40]);
  assert.equal(next.report.models[2].meanGap, 66.67);
  assert.equal(next.report.correlation!.models.length, 3);

  // clearing the labels again takes it out with the same note as before
  for (const c of cue()) await u.setLabel(c.cls, c.feature, null);
  const back = resummarise(next, 2, u);
  assert.equal(back.report.models[2].included, false);
  assert.match(back.report.models[2].note!, /no feature is labelled spurious in \/d\/\.spuriosity\/annotations\.c3c3c3c3\.json/);
  assert.deepEqual(back.report.correlation, live.report.correlation);
  assert.deepEqual(back.report.fit, live.report.fit);
});

test('resummarise refuses a session of another model and an index out of range', async () => {
  const live = await compare(false);
  const a = AnalysisSession.create(dataset, fakes.get('/m/A.onnx')!, new MemoryLabelStore(cue()), { gapK: 5, bootstrap: 0 });
  assert.throws(() => resummarise(live, 2, a), /not of U/);
  assert.throws(() => resummarise(live, 7, a), /out of range 0\.\.2/);
});
