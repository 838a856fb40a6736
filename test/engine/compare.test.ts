import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareModels, type ExtractRunner } from '../../src/engine/compare/compareModels';
import { CompareInputError, type ModelChecker } from '../../src/engine/compare/checkInputs';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import type { ExtractResult } from '../../src/engine/extract/types';
import type { ModelInfo } from '../../src/engine/model/types';
import { CLASSES, dataset, entries, fakeModel } from '../helpers/compareFixture';
import type { CompareProgress } from '../../src/engine/compare/types';


// Per class [high, low] correct of 5: A gaps 80, 40, 0 (acc high 80, low 40); B 60, 20, 0 (high 86.67, low 60);
// E 60, 80, 0 (high 66.67, low 20). U has no spurious labels; A2 is the same file as A.
const fakes = new Map<string, ExtractResult>([
  ['/m/A.onnx', fakeModel('A', 'a1', [[5, 1], [4, 2], [3, 3]])],
  ['/m/B.onnx', fakeModel('B', 'b2', [[5, 2], [4, 3], [4, 4]])],
  ['/m/U.onnx', fakeModel('U', 'c3', [[5, 0], [5, 0], [5, 0]])],
  ['/m/E.onnx', fakeModel('E', 'e4', [[3, 0], [5, 1], [2, 2]])],
  ['/m/sub/A.onnx', fakeModel('A', 'a1', [[5, 1], [4, 2], [3, 3]])],
]);
// The up-front check knows the fake files; any other path is "missing", as loadModel would say.
const checkModel: ModelChecker = async ({ modelPath: path }) => {
  const f = fakes.get(path) ?? fakes.get(path.replace('/bad/', '/m/'));
  if (!f) throw new Error(`${path}: does not exist; expected an ONNX image classifier (.onnx)`);
  return f.model;
};
const runExtract: ExtractRunner = async (req, hooks) => {
  hooks?.onProgress?.({ phase: 'done', done: entries.length, total: entries.length, cached: entries.length, failed: 0, imagesPerSecond: 0, etaSeconds: null });
  return fakes.get(req.modelPath)!;
};
const cueSpurious = () => new MemoryLabelStore(CLASSES.map((cls) => ({ cls, feature: 1, verdict: { label: 'spurious' as const } })));
const openLabels = async (m: ModelInfo) => ({
  store: m.sha256.startsWith('c3') ? new MemoryLabelStore() : cueSpurious(), path: `/d/.spuriosity/annotations.${m.sha256.slice(0, 8)}.json`,
});

test('per-class gaps per model, the models left out and why, and the statistics over the others', async () => {
  const progress: CompareProgress[] = [];
  const r = await compareModels({
    dataset, models: ['/m/A.onnx', '/m/B.onnx', '/m/U.onnx', '/m/E.onnx', '/m/sub/A.onnx'], cacheDir: '/tmp/unused', openLabels, runExtract, checkModel,
    analysis: { gapK: 5 }, onProgress: (p) => progress.push(p),
  });
  assert.equal(r.schema, 'spuriosity-lens/compare@1');
  assert.deepEqual(r.models.map((m) => m.id), ['A', 'B', 'U', 'E', 'A#2']);
  assert.deepEqual(r.models.map((m) => m.included), [true, true, false, true, false]);
  assert.match(r.models[2].note!, /no feature is labelled spurious in \/d\/\.spuriosity\/annotations\.c3c3c3c3\.json/);
  assert.match(r.models[4].note!, /same file as A/);
  assert.deepEqual(r.gapTable, [
    { class: 'a', gaps: [80, 60, null, 60, 80] },
    { class: 'b', gaps: [40, 20, null, 80, 40] },
    { class: 'c', gaps: [0, 0, null, 0, 0] },
  ]);
  const A = r.models[0];
  assert.deepEqual([A.accHigh, A.accLow, A.meanGap, A.spuriousPairs], [80, 40, 40, 3]);
  assert.deepEqual(A.classes[0], { class: 'a', valImages: 10, k: 5, accHigh: 100, accLow: 20, gap: 80 });

  // Correlation over the three included models (A, B, E) on classes a, b, c.
  // A vs B: [80, 40, 0] vs [60, 20, 0]: deviations [40, 0, -40] and [100/3, -20/3, -80/3]: Σab = 4000/3 + 3200/3 = 2400,
  // Σaa = 3200, Σbb = 16800/9; r = 2400 / sqrt(3200 · 16800/9) = 0.9820.
  // A vs E: [80, 40, 0] vs [60, 80, 0]: deviations of E [40/3, 100/3, -140/3]: Σab = 1600/3 + 5600/3 = 2400,
  // Σbb = 31200/9; r = 2400 / sqrt(3200 · 31200/9) = 0.7206.
  assert.deepEqual(r.correlation!.models, ['A', 'B', 'E']);
  assert.equal(r.correlation!.matrix[0][1], 0.982);
  assert.equal(r.correlation!.matrix[0][2], 0.7206);
  assert.deepEqual(r.correlation!.shared, [[3, 3, 3], [3, 3, 3], [3, 3, 3]]);
  // Variance across classes: var[80,40,0] = 1600, var[60,20,0] = 933.33, var[60,80,0] = 1733.33 -> mean 1422.22.
  // Across models: var[80,60,60] = 133.33, var[40,20,80] = 933.33, var[0,0,0] = 0 -> mean 355.56; ratio 4.
  assert.equal(r.variance!.acrossClasses, 1422.2222);
  assert.equal(r.variance!.acrossModels, 355.5556);
  assert.equal(r.variance!.ratio, 4);
  // Fit through the origin on (acc high, acc low) = (80, 40), (86.67, 60), (66.67, 20).
  const x = [80, 260 / 3, 200 / 3];
  const y = [40, 60, 20];
  const beta = (x[0] * y[0] + x[1] * y[1] + x[2] * y[2]) / (x[0] ** 2 + x[1] ** 2 + x[2] ** 2);
  assert.equal(r.fit!.beta, Math.round(beta * 1e4) / 1e4);
  assert.equal(r.fit!.effectiveRobustnessFrom, 'origin');
  assert.equal(r.models[1].effectiveRobustness, Math.round((60 - beta * x[1]) * 100) / 100);
  assert.equal(r.models[2].effectiveRobustness, null);
  assert.ok(r.notes.some((n) => n.startsWith('U left out')));
  // progress: per model, extracting then analysing then done
  assert.deepEqual(progress.filter((p) => p.phase === 'done').map((p) => `${p.model}/${p.models} ${p.id}`), ['1/5 A', '2/5 B', '3/5 U', '4/5 E', '5/5 A#2']);
});

test('fewer than 2 models is an error; fewer than 2 usable models gives no statistics, with a note', async () => {
  await assert.rejects(compareModels({ dataset, models: ['/m/A.onnx'], cacheDir: '/x', openLabels, runExtract, checkModel }), /at least 2 models, got 1/);
  const r = await compareModels({ dataset, models: ['/m/A.onnx', '/m/U.onnx'], cacheDir: '/x', openLabels, runExtract, checkModel, analysis: { gapK: 5 } });
  assert.equal(r.correlation, null);
  assert.equal(r.fit, null);
  assert.ok(r.notes.some((n) => /1 model\(s\) with measured gaps/.test(n)));
});

test('cancelling stops before the next model', async () => {
  const ac = new AbortController();
  let runs = 0;
  const counting: ExtractRunner = async (req, hooks) => {
    runs++;
    ac.abort();
    return runExtract(req, hooks);
  };
  await assert.rejects(compareModels({ dataset, models: ['/m/A.onnx', '/m/B.onnx', '/m/E.onnx'], cacheDir: '/x', openLabels, runExtract: counting, checkModel, signal: ac.signal }),
    (e: Error) => e.name === 'AbortError');
  assert.equal(runs, 1);
});

test('every model and the extra inputs are checked before anything is extracted; all problems are reported at once', async () => {
  let runs = 0;
  const counting: ExtractRunner = async (req, hooks) => {
    runs++;
    return runExtract(req, hooks);
  };
  await assert.rejects(
    compareModels({
      dataset, models: ['/m/A.onnx', '/m/B.onnx', '/m/missing.onnx', '/m/gone.onnx'], cacheDir: '/x', openLabels, runExtract: counting, checkModel,
      checkInputs: async () => ['probe folder /p does not exist'],
    }),
    (e: unknown) => {
      assert.ok(e instanceof CompareInputError);
      assert.deepEqual(e.problems, [
        '/m/missing.onnx: does not exist; expected an ONNX image classifier (.onnx)',
        '/m/gone.onnx: does not exist; expected an ONNX image classifier (.onnx)',
        'probe folder /p does not exist',
      ]);
      assert.match(e.message, /nothing was extracted/);
      return true;
    },
  );
  assert.equal(runs, 0);
});

test('a model that fails later is left out with the error as its note; the rest is compared', async () => {
  const failing: ExtractRunner = async (req, hooks) => {
    if (req.modelPath.startsWith('/bad/')) throw new Error(`${req.modelPath}: ONNX Runtime cannot run node "Conv_3"`);
    return runExtract(req, hooks);
  };
  const prepared: string[] = [];
  const r = await compareModels({
    dataset, models: ['/m/A.onnx', '/bad/B.onnx', '/m/E.onnx'], cacheDir: '/x', openLabels, runExtract: failing, checkModel, analysis: { gapK: 5 },
    prepare: async (_s, _store, id) => { prepared.push(id); return id === 'E' ? 'probes labelled 2 pair(s)' : undefined; },
  });
  assert.deepEqual(r.models.map((m) => [m.id, m.included]), [['A', true], ['B', false], ['E', true]]);
  const B = r.models[1];
  assert.equal(B.note, 'could not be analysed: /bad/B.onnx: ONNX Runtime cannot run node "Conv_3"');
  assert.deepEqual([B.sha256.slice(0, 2), B.dim, B.head, B.annotations, B.classes.length, B.meanGap], ['b2', 2, null, null, 0, null]);
  assert.deepEqual(r.gapTable.map((g) => g.gaps[1]), [null, null, null]);
  assert.deepEqual(r.correlation!.models, ['A', 'E']);
  assert.equal(r.correlation!.matrix[0][1], 0.7206);
  assert.deepEqual(prepared, ['A', 'E']);
  assert.ok(r.notes.includes('B left out of the statistics: could not be analysed: /bad/B.onnx: ONNX Runtime cannot run node "Conv_3"'), r.notes.join('\n'));
  assert.ok(r.notes.includes('E: probes labelled 2 pair(s)'), r.notes.join('\n'));

  // an annotation file that cannot be read fails that model alone, after its extraction
  const r2 = await compareModels({
    dataset, models: ['/m/A.onnx', '/m/B.onnx', '/m/E.onnx'], cacheDir: '/x', runExtract, checkModel, analysis: { gapK: 5 },
    openLabels: async (m) => {
      if (m.sha256.startsWith('b2')) throw new Error('/d/.spuriosity/annotations.b2b2b2b2.json: not valid JSON');
      return openLabels(m);
    },
  });
  assert.deepEqual(r2.models.map((m) => m.included), [true, false, true]);
  assert.equal(r2.models[1].note, 'could not be analysed: /d/.spuriosity/annotations.b2b2b2b2.json: not valid JSON');
  assert.deepEqual(r2.correlation!.models, ['A', 'E']);
});

test('when failures leave fewer than 2 models the run stops at once, naming them', async () => {
  const seen: string[] = [];
  const failing: ExtractRunner = async (req, hooks) => {
    seen.push(req.modelPath);
    if (req.modelPath.startsWith('/bad/')) throw new Error('the worker exited with code 134');
    return runExtract(req, hooks);
  };
  await assert.rejects(
    compareModels({ dataset, models: ['/bad/A.onnx', '/bad/B.onnx', '/m/E.onnx'], cacheDir: '/x', openLabels, runExtract: failing, checkModel }),
    /comparison stopped: 2 of 3 models failed, fewer than 2 remain \(A: the worker exited with code 134; B: the worker exited with code 134\)/,
  );
  assert.deepEqual(seen, ['/bad/A.onnx', '/bad/B.onnx']);
});
