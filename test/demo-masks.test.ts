// The demo generator's object masks (masks/<split>/<class>/<stem>.png from the MNIST ink): one per train and val
// image, the digit's pixels and nothing else, and added to a dataset generated before masks existed without touching
// its images.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { generateDemoDataset, MASKS_VERSION } from '../scripts/demo/generate-dataset.mjs';

const FIX = join('test', '.fixtures', 'demo-masks');
const tiny = { trainPerClass: 2, valPerClass: 2, probesPerClass: 1, force: true, seed: 3 };

async function gray(path: string): Promise<Uint8Array> {
  const { data, info } = await sharp(path).greyscale().raw().toBuffer({ resolveWithObject: true });
  assert.equal(info.width, 64);
  return new Uint8Array(data.buffer, data.byteOffset, info.width * info.height);
}

test('every train and val image gets a mask of its digit', async () => {
  const out = await generateDemoDataset({ ...tiny, out: join(FIX, 'a') });
  assert.equal(readFileSync(join(out, 'masks', '.done'), 'utf8').trim(), MASKS_VERSION);
  assert.ok(!existsSync(join(out, 'masks', 'probes')), 'probes are a separate set: no masks');
  let n = 0;
  for (const split of ['train', 'val']) {
    for (const cls of readdirSync(join(out, split))) {
      for (const f of readdirSync(join(out, split, cls))) {
        const m = await gray(join(out, 'masks', split, cls, f));
        const on = m.reduce((a, v) => a + (v > 127 ? 1 : 0), 0);
        // a 34-50 px digit grown by 2 px covers a few hundred of the 4,096 pixels, never none, never most
        assert.ok(on > 100 && on < 2048, `${split}/${cls}/${f}: ${on} mask pixels`);
        n++;
      }
    }
  }
  assert.equal(n, 10 * 4);
});

test('a dataset generated before masks gets its masks without its images being rewritten', async () => {
  const out = await generateDemoDataset({ ...tiny, out: join(FIX, 'b') });
  const img = join(out, 'train', '0-zero', '0-zero_0000.png');
  const before = statSync(img).mtimeMs;
  const mask = join(out, 'masks', 'train', '0-zero', '0-zero_0000.png');
  const bytes = readFileSync(mask);
  rmSync(join(out, 'masks'), { recursive: true });
  await generateDemoDataset({ ...tiny, force: false, out });
  assert.equal(statSync(img).mtimeMs, before, 'images untouched');
  assert.ok(readFileSync(mask).equals(bytes), 'the same mask again');
});
