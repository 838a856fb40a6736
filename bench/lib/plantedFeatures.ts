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
import { fromFloat16Bits, roundThroughFloat16, toFloat16Bits } from '../../src/engine/cache/float16';

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

let noiseTable: { values: Float32Array; bits: Uint16Array } | null = null;
/** 4,096 half-normal(0.15) values rounded to float16 (and their bits), by inverse CDF on a grid (seeded by nothing). */
function noise(): { values: Float32Array; bits: Uint16Array } {
  if (noiseTable) return noiseTable;
  const values = new Float32Array(4096);
  for (let i = 0; i < values.length; i++) values[i] = 0.15 * Math.SQRT2 * erfinv((i + 0.5) / values.length);
  roundThroughFloat16(values);
  return (noiseTable = { values, bits: Uint16Array.from(values, (v) => toFloat16Bits(v)) });
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

function setValue(x: Float32Array, xb: Uint16Array, f: number, v: number): void {
  xb[f] = toFloat16Bits(v);
  x[f] = fromFloat16Bits(xb[f]);
}

/**
 * Writes the features (count x D, float16-representable) into `pooled` and/or their float16 bits into `bits`, and the
 * logits (count x C) of `images`.
 */
export function plantedRows(spec: PlantedSpec, head: ReturnType<typeof plantedHead>, images: PlantedImage[], pooled: Float32Array | null, logits: Float32Array, bits?: Uint16Array): void {
  const { dim: D, classes: C } = spec;
  const { values, bits: valueBits } = noise();
  const x = new Float32Array(D);
  const xb = new Uint16Array(D);
  // the head's non-zeros flattened: class c's terms are tf/tw[start[c] .. start[c + 1])
  const start = new Int32Array(C + 1);
  head.terms.forEach((t, c) => { start[c + 1] = start[c] + t.length; });
  const tf = Int32Array.from(head.terms.flat(), (t) => t[0]);
  const tw = Float64Array.from(head.terms.flat(), (t) => t[1]);
  images.forEach((img, r) => {
    let s = (spec.seed * 0x9e3779b1) ^ Math.imul(img.cls + 1, 0x85ebca6b) ^ Math.imul(img.j + 1, 0xc2b2ae35) ^ (img.split === 'val' ? 0x27d4eb2f : 0);
    for (let d = 0; d < D; d++) {
      // xorshift32: fast, and good enough to pick noise from a table
      s ^= s << 13; s ^= s >>> 17; s ^= s << 5;
      const k = (s >>> 20) & 4095;
      x[d] = values[k];
      xb[d] = valueBits[k];
    }
    // (no closure captures s: a captured variable would slow the loop above to a crawl)
    const cue = cueOf(spec, img.cls);
    const u = [0, 0, 0];
    for (let q = 0; q < 3; q++) { s ^= s << 13; s ^= s >>> 17; s ^= s << 5; u[q] = (s >>> 0) / 4294967296; }
    const [f1, f2] = coreOf(spec, img.cls);
    setValue(x, xb, f1, 0.2 + 0.8 * u[0]);
    setValue(x, xb, f2, 0.2 + 0.8 * u[1]);
    if (cue >= 0 && hasCue(spec, img)) setValue(x, xb, cue, 1 + u[2]);
    if (pooled) pooled.set(x, r * D);
    if (bits) bits.set(xb, r * D);
    const lo = r * C;
    for (let c = 0; c < C; c++) {
      let z = head.bias[c];
      for (let t = start[c]; t < start[c + 1]; t++) z += tw[t] * x[tf[t]];
      logits[lo + c] = z;
    }
  });
}
