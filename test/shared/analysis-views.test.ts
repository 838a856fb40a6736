import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CompareReport } from '../../src/engine/compare/types';
import type { CropClass, CropImage } from '../../src/engine/crop/types';
import type { FeatureSensitivity } from '../../src/engine/sensitivity/types';
import { comparisonView, cropRecheckView, cropView, sensitivityView } from '../../src/extension/panel/analysisViews';
import { insideDataset } from '../../src/extension/analyses/insideDataset';

const img = (over: Partial<CropImage> = {}): CropImage => ({
  image: 'val/a/1.jpg', split: 'val', spuriosity: 1.5, coreActivation: 0.4, reliable: false, imageSize: { width: 400, height: 200 },
  box: { x: 100, y: 50, width: 100, height: 100 }, squareClipped: false, noBoxReason: null,
  original: { predicted: 'b', correct: false, confidence: 0.6 }, cropped: { predicted: 'a', correct: true, confidence: 0.8 },
  change: 'fixed', file: null, ...over,
});

test('crop boxes become fractions of the original image; reasons say why a crop is unreliable or missing', () => {
  const v = cropView(img(), { reliableCutoff: 0.87 });
  assert.deepEqual(v.box, { x: 0.25, y: 0.25, w: 0.25, h: 0.5 });
  assert.deepEqual(v.pixels, [100, 50, 100, 100]);
  assert.equal(v.reliable, false);
  assert.match(v.reason, /core activation 0.40 is below this class's top-20% cutoff 0.87/);
  assert.deepEqual(v.cropped, { predicted: 'a', correct: true });
  const none = cropView(img({ box: null, cropped: null, change: null, noBoxReason: 'no core activation', reliable: true }), { reliableCutoff: 0.87 });
  assert.equal(none.box, null);
  assert.equal(none.reliable, false, 'no box is never reliable');
  assert.equal(none.reason, 'no core activation');
});

test('a re-check keeps the engine counts and gives each image its thumbnail', () => {
  const c: CropClass = {
    name: 'a', gap: -12.5, negativeGap: true, coreFeatures: [3], noCropReason: null, reliableCutoff: 0.8,
    counts: { images: 1, cropped: 1, changed: 1, fixed: 1, broken: 0, reliable: 0, accOriginal: 0, accCropped: 100 }, images: [img()],
  };
  const r = cropRecheckView(c, (id) => `uri:${id}`);
  assert.equal(r.gap, -0.125);
  assert.equal(r.items[0].thumbUri, 'uri:val/a/1.jpg');
  assert.deepEqual(r.counts, { images: 1, cropped: 1, changed: 1, fixed: 1, broken: 0, reliable: 0 });
});

test('sensitivity outcomes map gray/blur/patch-rotate onto colour/texture/shape, accuracy and probability drops from points onto 0..1', () => {
  const f: FeatureSensitivity = {
    cls: 'a', feature: 9, label: 'spurious', maskSource: 'minus-core', coreFeatures: [3, 4], imageCount: 65, images: [], meanMask: 0.42, cleanAccuracy: 95,
    outcomes: [
      { corruption: 'gray', accuracy: 60, sensitivity: 35, probabilityDrop: 30, flipped: 20 },
      { corruption: 'blur', accuracy: 90, sensitivity: 5, probabilityDrop: 5, flipped: 3 },
      { corruption: 'patch-rotate', accuracy: 96, sensitivity: -1, probabilityDrop: -2, flipped: 1 },
    ],
  };
  const v = sensitivityView(f);
  assert.deepEqual(v.drops, { gray: 0.35, blur: 0.05, 'patch-rotate': -0.01 });
  assert.deepEqual(v.probabilityDrops, { gray: 0.3, blur: 0.05, 'patch-rotate': -0.02 }, 'probability drops are engine points too');
  assert.equal(v.clean, 0.95);
  assert.equal(v.note, 'mask minus core features #3, #4; 42% of each image masked on average');
});

test('a comparison keeps the engine numbers, in 0..1 for accuracies and gaps', () => {
  const r: CompareReport = {
    schema: 'spuriosity-lens/compare@1', dataset: { root: '/d', layout: 'imagefolder', classes: ['a', 'b'], images: { train: 1, val: 1 } }, gapK: 10,
    models: [{
      id: 'm1', path: '/m1.onnx', sha256: 'x', name: null, dim: 8, head: 'fit', annotations: '/a.json', valAccuracy: 90, spuriousPairs: 2,
      classes: [{ class: 'a', valImages: 20, k: 10, accHigh: 100, accLow: 80, gap: 20 }], meanGap: 20, accHigh: 100, accLow: 80,
      included: true, note: null, predictedAccLow: 85, effectiveRobustness: -5,
    }],
    gapTable: [{ class: 'a', gaps: [20] }, { class: 'b', gaps: [null] }],
    correlation: { models: ['m1', 'm2'], matrix: [[1, 0.5], [0.5, 1]], shared: [[1, 1], [1, 1]], pairs: [], meanPairwise: 0.5 },
    variance: { classes: ['a', 'b'], acrossClasses: 30, acrossModels: 10, ratio: 3 },
    fit: { beta: 0.85, r2: null, ols: { slope: 1.2, intercept: -30, r2: 0.5 }, effectiveRobustnessFrom: 'origin' },
    notes: ['n'],
  };
  const v = comparisonView(r, 'd');
  assert.deepEqual(v.models[0], { id: 'm1', path: '/m1.onnx', accuracy: 0.9, accHigh: 1, accLow: 0.8, meanGap: 0.2, classes: 1, included: true, note: null, effectiveRobustness: -0.05,
    sha256: 'x', spuriousPairs: 2, annotations: '/a.json' });
  assert.deepEqual(v.fit, { beta: 0.85, r2: null, ols: { slope: 1.2, intercept: -0.3 } });
  assert.deepEqual(v.gapTable, [{ class: 'a', gaps: [0.2] }, { class: 'b', gaps: [null] }]);
  assert.deepEqual(v.variance, { classes: 2, acrossClasses: 30, acrossModels: 10, ratio: 3 });
  assert.equal(v.meanCorrelation, 0.5);
});

test('export folders inside the dataset are refused, siblings and "..x" names judged right', () => {
  assert.equal(insideDataset('/data/set', '/data/set'), true);
  assert.equal(insideDataset('/data/set/crops', '/data/set'), true);
  assert.equal(insideDataset('/data/set/..crops', '/data/set'), true);
  assert.equal(insideDataset('/data/set-crops', '/data/set'), false);
  assert.equal(insideDataset('/data', '/data/set'), false);
  assert.equal(insideDataset('/tmp/out', '/data/set'), false);
});
