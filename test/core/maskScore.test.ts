import { test } from 'node:test';
import assert from 'node:assert/strict';
import { areaAverage, namMaskShare, pairScore, suggestFromScore, type ImageShare } from '../../src/core/maskScore';

const f32 = (xs: number[]) => new Float32Array(xs);
const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) < eps, `${a} != ${b}`);

test('a map that fires only inside the object scores 1', () => {
  // 2x2 map, object = left column
  const r = namMaskShare(f32([3, 0, 5, 0]), f32([1, 0, 1, 0]));
  assert.deepEqual(r, { share: 1 });
});

test('a map that fires only outside the object scores 0', () => {
  const r = namMaskShare(f32([0, 2, 0, 7]), f32([1, 0, 1, 0]));
  assert.deepEqual(r, { share: 0 });
});

test('a split map scores its mass share, weighted by soft mask values', () => {
  // nam / max = [1, 0.5, 0.25, 0.25]; total 2; inside = 1*1 + 0.5*0 + 0.25*0.5 + 0.25*0 = 1.125 -> 0.5625
  const r = namMaskShare(f32([4, 2, 1, 1]), f32([1, 0, 0.5, 0]));
  assert.ok('share' in r);
  close(r.share, 1.125 / 2);
});

test('negative activations are clamped, as the heatmap colours do', () => {
  // nam/max = [1, -1]: clamped to [1, 0]: all mass in cell 0
  const r = namMaskShare(f32([2, -2]), f32([1, 0]));
  assert.deepEqual(r, { share: 1 });
});

test('an empty mask and an all-zero map give no share, with the reason', () => {
  assert.deepEqual(namMaskShare(f32([1, 2, 3, 4]), f32([0, 0, 0, 0])), { skip: 'empty-mask' });
  assert.deepEqual(namMaskShare(f32([0, 0, 0, 0]), f32([1, 0, 0, 0])), { skip: 'zero-map' });
  assert.deepEqual(namMaskShare(f32([-1, -2, 0, 0]), f32([1, 0, 0, 0])), { skip: 'zero-map' });
});

test('namMaskShare refuses a mask on another grid or outside [0, 1]', () => {
  assert.throws(() => namMaskShare(f32([1, 2]), f32([1, 0, 0])), /resize the mask to the map/);
  assert.throws(() => namMaskShare(f32([1, 2]), f32([2, 0])), /\[0, 1\]/);
});

test('areaAverage of a 4x4 mask onto 2x2 averages each 2x2 block', () => {
  const mask = [
    1, 1, 0, 0,
    1, 0, 0, 0,
    0, 0, 1, 1,
    0, 0, 1, 1,
  ];
  const out = areaAverage(mask, 4, 4, { left: 0, top: 0, width: 4, height: 4 }, 2, 2);
  assert.deepEqual(Array.from(out), [0.75, 0, 0, 1]);
});

test('areaAverage with a fractional cell splits boundary pixels by overlap', () => {
  // 3 pixels [1, 0, 0] onto 2 cells of 1.5 px: cell 0 = (1*1 + 0*0.5)/1.5, cell 1 = 0
  const out = areaAverage([1, 0, 0], 3, 1, { left: 0, top: 0, width: 3, height: 1 }, 2, 1);
  close(out[0], 1 / 1.5);
  close(out[1], 0);
  // [0, 1, 0]: the middle pixel is split half and half
  const mid = areaAverage([0, 1, 0], 3, 1, { left: 0, top: 0, width: 3, height: 1 }, 2, 1);
  close(mid[0], 0.5 / 1.5);
  close(mid[1], 0.5 / 1.5);
});

test('areaAverage of a window (a centre crop) reads outside pixels as background', () => {
  // 4x1 mask [0, 1, 1, 0]; window x in [1, 3) -> one cell = 1
  assert.deepEqual(Array.from(areaAverage([0, 1, 1, 0], 4, 1, { left: 1, top: 0, width: 2, height: 1 }, 1, 1)), [1]);
  // window x in [-2, 2) (padding on the left): (0 + 0 + 0 + 1) / 4
  close(areaAverage([0, 1, 1, 0], 4, 1, { left: -2, top: 0, width: 4, height: 1 }, 1, 1)[0], 0.25);
  // upsampling: a 1x1 mask onto 2x2 gives 4 equal cells
  assert.deepEqual(Array.from(areaAverage([0.5], 1, 1, { left: 0, top: 0, width: 1, height: 1 }, 2, 2)), [0.5, 0.5, 0.5, 0.5]);
});

test('areaAverage checks its sizes', () => {
  assert.throws(() => areaAverage([1, 0], 3, 1, { left: 0, top: 0, width: 3, height: 1 }, 1, 1), /expected 3x1/);
  assert.throws(() => areaAverage([1], 1, 1, { left: 0, top: 0, width: 0, height: 1 }, 1, 1), /positive size/);
});

test('pairScore averages shares, counts skips, and suggests by thresholds', () => {
  const shares: ImageShare[] = [{ share: 0.9 }, { share: 0.7 }, { skip: 'zero-map' }, { share: 0.8 }, { skip: 'empty-mask' }];
  const s = pairScore(shares);
  close(s.mean, 0.8);
  close(s.sd, Math.sqrt((0.01 + 0.01 + 0) / 3));
  assert.equal(s.images, 3);
  assert.deepEqual(s.skipped, { 'zero-map': 1, 'empty-mask': 1 });
  const t = { core: 0.5, spurious: 0.2, minImages: 3 };
  assert.equal(suggestFromScore(s, t), 'core');
  assert.equal(suggestFromScore({ ...s, mean: 0.1 }, t), 'spurious');
  assert.equal(suggestFromScore({ ...s, mean: 0.35 }, t), null);
  assert.equal(suggestFromScore({ ...s, images: 2 }, t), null, 'too few scored images: no suggestion');
  const none = pairScore([{ skip: 'zero-map' }]);
  assert.ok(Number.isNaN(none.mean));
  assert.equal(suggestFromScore(none, t), null);
  assert.throws(() => suggestFromScore(s, { core: 0.2, spurious: 0.5, minImages: 1 }), /spurious < core/);
});
