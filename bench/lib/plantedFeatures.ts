// Seeded synthetic features with planted spurious structure, shaped like a ResNet-50 on ImageNet (2,048 features,
// 1,000 classes) or smaller. Every image's row is a pure function of (seed, image index), so rows can be made in any
// order and any number of chunks. Structure, per class c of C:
//   - two core features, c and C + c: the object, U(0.2, 1.0) in c's images, noise elsewhere;
//   - every 4th class has a spurious cue, feature 2C + (c/4 mod P) (P cue features shared by several classes):
//     U(1, 2) in 75% of its training and 50% of its validation images, noise elsewhere;
//   - all other features: half-normal noise (sigma 0.15).
// The head: a cue class weighs its core features 0.5 and its cue 1.2, other classes their core features 1.0, so cue
// classes' images without the cue are often lost to a rival: positive spurious gaps where the cue is labelled.
// Values are float16-representable, as the feature cache stores them.
import { roundThroughFloat16 } from '../../src/engine/cache/float16';

/** The shape of a planted dataset. */
export interface PlantedSpec {
  classes: number;
  dim: number;
  /** Training images of class c. */
  trainOf(c: number): number;
  valPerClass: number;
  seed: number;
}

/** ImageNet-1k's shape: 1,281,167 training images (1,281 per class, 1,282 for the first 167), 50 validation per class. */
export function imagenetSpec(images = 1_281_167, seed = 1): PlantedSpec {
  const C = 1000;
  const base = Math.floor(images / C);
  const extra = images - base * C;
  return { classes: C, dim: 2048, trainOf: (c) => base + (c < extra ? 1 : 0), valPerClass: 50, seed };
}

/** Cue feature of class c, or -1 when it has none. */
export function cueOf(spec: Pick<PlantedSpec, 'classes' | 'dim'>, c: number): number {
  if (c % 4 !== 0) return -1;
  const P = Math.max(1, Math.min(48, spec.dim - 2 * spec.classes));
  return 2 * spec.classes + ((c / 4) % P);
}

/** The two core features of class c. */
export function coreOf(spec: Pick<PlantedSpec, 'classes'>, c: number): [number, number] {
  return [c, spec.classes + c];
}

/** Class names: c0000, c0001, … (sorted by name = sorted by index). */
export function className(c: number): string {
  return `c${String(c).padStart(4, '0')}`;
}

/** The model head (C x D, mostly zeros) and its non-zeros per class, for fast logits. */
export function plantedHead(spec: PlantedSpec): { weight: Float32Array; bias: Float32Array; terms: Array<Array<[number, number]>> } {
  const { classes: C, dim: D } = spec;
  if (2 * C + 1 > D) throw new RangeError(`planted features need dim > 2 x classes, got ${D} features for ${C} classes`);
  const weight = new Float32Array(C * D);
  const terms: Array<Array<[number, number]>> = [];
  for (let c = 0; c < C; c++) {
    const cue = cueOf(spec, c);
    const t: Array<[number, number]> = coreOf(spec, c).map((f) => [f, cue >= 0 ? 0.5 : 1.0]);
    if (cue >= 0) t.push([cue, 1.2]);
    for (const [f, w] of t) weight[c * D + f] = w;
    terms.push(t);
  }
  return { weight, bias: new Float32Array(C), terms };
}

/** Image j of class c in a split: its global position in dataset order (train classes first, then val). */
export interface PlantedImage {
  cls: number;
  split: 'train' | 'val';
  j: number;
}

/** All images in dataset order (split, class, index), as discovery sorts them. */
export function* plantedImages(spec: PlantedSpec): Generator<PlantedImage> {
  for (const split of ['train', 'val'] as const) {
    for (let c = 0; c < spec.classes; c++) {
      const n = split === 'train' ? spec.trainOf(c) : spec.valPerClass;
      for (let j = 0; j < n; j++) yield { cls: c, split, j };
    }
  }
}

/** Whether image j of class c carries its class's cue (deterministic). */
export function hasCue(spec: PlantedSpec, img: PlantedImage): boolean {
  if (cueOf(spec, img.cls) < 0) return false;
  const u = hash01(spec.seed * 7919 + img.cls * 104729 + img.j * 31 + (img.split === 'val' ? 17 : 0));
  return u < (img.split === 'train' ? 0.75 : 0.5);
}

function hash01(x: number): number {
  let t = (x + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

let noiseTable: Float32Array | null = null;
/** 4,096 half-normal(0.15) values rounded to float16, by inverse CDF on a grid (so the table itself is seeded by nothing). */
function noise(): Float32Array {
  if (noiseTable) return noiseTable;
  const t = new Float32Array(4096);
  for (let i = 0; i < t.length; i++) {
    const p = (i + 0.5) / t.length;
    t[i] = 0.15 * Math.SQRT2 * erfinv(p);
  }
  roundThroughFloat16(t);
  return (noiseTable = t);
}

function erfinv(x: number): number {
  // Giles' single-precision approximation: plenty for a noise table
  let w = -Math.log((1 - x) * (1 + x));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    for (const c of [3.43273939e-7, -3.5233877e-6, -4.39150654e-6, 0.00021858087, -0.00125372503, -0.00417768164, 0.246640727, 1.50140941]) p = c + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    for (const c of [0.000100950558, 0.00134934322, -0.00367342844, 0.00573950773, -0.0076224613, 0.00943887047, 1.00167406, 2.83297682]) p = c + p * w;
  }
  return p * x;
}

/** Writes the features (count x D, float16-representable) and logits (count x C) of `images` into the given arrays. */
export function plantedRows(spec: PlantedSpec, head: ReturnType<typeof plantedHead>, images: PlantedImage[], pooled: Float32Array, logits: Float32Array): void {
  const { dim: D, classes: C } = spec;
  const table = noise();
  const u16 = new Float32Array(1);
  images.forEach((img, r) => {
    let s = (spec.seed * 0x9e3779b1) ^ Math.imul(img.cls + 1, 0x85ebca6b) ^ Math.imul(img.j + 1, 0xc2b2ae35) ^ (img.split === 'val' ? 0x27d4eb2f : 0);
    const o = r * D;
    for (let d = 0; d < D; d++) {
      // xorshift32: fast, and good enough to pick noise from a table
      s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
      pooled[o + d] = table[(s >>> 20) & 4095];
    }
    const next = () => { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; return (s >>> 0) / 4294967296; };
    for (const f of coreOf(spec, img.cls)) { u16[0] = 0.2 + 0.8 * next(); roundThroughFloat16(u16); pooled[o + f] = u16[0]; }
    const cue = cueOf(spec, img.cls);
    if (cue >= 0 && hasCue(spec, img)) { u16[0] = 1 + next(); roundThroughFloat16(u16); pooled[o + cue] = u16[0]; }
    const lo = r * C;
    for (let c = 0; c < C; c++) {
      let z = head.bias[c];
      for (const [f, w] of head.terms[c]) z += w * pooled[o + f];
      logits[lo + c] = z;
    }
  });
}
