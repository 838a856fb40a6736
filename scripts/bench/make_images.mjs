// Seeded generator of the benchmark's JPEG dataset: ImageFolder ROOT/{train,val}/class_XX/*.jpg, about 500x375
// (a fifth portrait 375x500), quality 90, with varied content so decoding costs what photos cost: a two-colour
// gradient, an oriented sinusoidal texture, a few filled circles and rectangles, and per-pixel noise.
//
//   node scripts/bench/make_images.mjs OUT_DIR [--images 1000] [--classes 10] [--seed 1]
//
// Same arguments, same bytes (sharp's JPEG encoder is deterministic for the same input and libvips version).
// A finished dataset has OUT_DIR.complete beside it (its parameters), so callers can reuse it.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import sharp from 'sharp';

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** RGB pixels (width x height x 3) of one synthetic image; `cls` tilts the palette so classes differ a little. */
export function renderImage(rng, width, height, cls, classes) {
  const px = new Uint8ClampedArray(width * height * 3);
  const hue = (cls / classes) * 2 * Math.PI;
  const c0 = [0, 1, 2].map((k) => 128 + 100 * Math.cos(hue + (k * 2 * Math.PI) / 3) * rng());
  const c1 = [0, 1, 2].map(() => 255 * rng());
  const ang = rng() * 2 * Math.PI;
  const gx = Math.cos(ang) / width;
  const gy = Math.sin(ang) / height;
  const freq = 0.02 + 0.25 * rng();
  const tang = rng() * Math.PI;
  const tx = Math.cos(tang) * freq;
  const ty = Math.sin(tang) * freq;
  const tamp = 60 * rng();
  const noise = 4 + 40 * rng();
  const shapes = Array.from({ length: 1 + Math.floor(6 * rng()) }, () => ({
    circle: rng() < 0.5, cx: rng() * width, cy: rng() * height, r: 10 + rng() * Math.min(width, height) * 0.35,
    w: 10 + rng() * width * 0.5, h: 10 + rng() * height * 0.5, color: [255 * rng(), 255 * rng(), 255 * rng()],
  }));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let t = 0.5 + (x - width / 2) * gx + (y - height / 2) * gy;
      t = t < 0 ? 0 : t > 1 ? 1 : t;
      const tex = tamp * Math.sin(x * tx + y * ty);
      let r = c0[0] + (c1[0] - c0[0]) * t + tex;
      let g = c0[1] + (c1[1] - c0[1]) * t + tex;
      let b = c0[2] + (c1[2] - c0[2]) * t - tex;
      for (const s of shapes) {
        const inside = s.circle ? (x - s.cx) ** 2 + (y - s.cy) ** 2 < s.r * s.r : Math.abs(x - s.cx) < s.w / 2 && Math.abs(y - s.cy) < s.h / 2;
        if (inside) { r = s.color[0] + tex * 0.5; g = s.color[1]; b = s.color[2] - tex * 0.5; }
      }
      const n = noise * (rng() + rng() - 1);
      const o = (y * width + x) * 3;
      px[o] = r + n;
      px[o + 1] = g + n;
      px[o + 2] = b + n;
    }
  }
  return px;
}

/** Writes the dataset (reusing a finished one with the same parameters); returns its root. */
// `scale` shrinks every image (0.16: 80x60) for runs where decoding cost does not matter, e.g. memory scaling.
export async function makeImages(out, { images = 1000, classes = 10, seed = 1, scale = 1, log = () => {} } = {}) {
  const params = JSON.stringify({ images, classes, seed, version: 1, ...(scale !== 1 ? { scale } : {}) });
  // Beside the dataset, not inside: a file in the root would be one more thing for the dataset walkers to skip.
  const marker = `${out.replace(/[\\/]+$/, '')}.complete`;
  if (existsSync(marker) && readFileSync(marker, 'utf8') === params) return out;
  rmSync(out, { recursive: true, force: true });
  rmSync(marker, { force: true });
  const rng = mulberry32(seed);
  const pending = [];
  for (let i = 0; i < images; i++) {
    const cls = i % classes;
    const split = Math.floor(i / classes) % 5 === 4 ? 'val' : 'train';
    const dir = join(out, split, `class_${String(cls).padStart(2, '0')}`);
    mkdirSync(dir, { recursive: true });
    const portrait = rng() < 0.2;
    const width = Math.max(8, Math.round((portrait ? 375 : 500) * scale));
    const height = Math.max(8, Math.round((portrait ? 500 : 375) * scale));
    const px = renderImage(rng, width, height, cls, classes);
    pending.push(sharp(Buffer.from(px.buffer), { raw: { width, height, channels: 3 } }).jpeg({ quality: 90 }).toFile(join(dir, `img_${String(i).padStart(6, '0')}.jpg`)));
    // Rendering is single-threaded JS; encoding runs on libvips threads meanwhile. Bound what is in flight.
    if (pending.length >= 8) await pending.shift();
    if ((i + 1) % (scale < 1 ? 2000 : 200) === 0) log(`generated ${i + 1}/${images} images`);
  }
  await Promise.all(pending);
  writeFileSync(marker, params);
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const args = process.argv.slice(2);
  const out = args.find((a, i) => !a.startsWith('--') && (i === 0 || !args[i - 1].startsWith('--')));
  const num = (name, d) => {
    const i = args.indexOf(`--${name}`);
    if (i < 0) return d;
    const v = Number(args[i + 1]);
    if (!Number.isInteger(v) || v < 1) { console.error(`make_images: --${name} must be a positive integer, got "${args[i + 1]}"`); process.exit(2); }
    return v;
  };
  if (!out) { console.error('usage: node scripts/bench/make_images.mjs OUT_DIR [--images N] [--classes C] [--seed S]'); process.exit(2); }
  const t = Date.now();
  await makeImages(out, { images: num('images', 1000), classes: num('classes', 10), seed: num('seed', 1), log: console.log });
  console.log(`dataset in ${out} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
}
