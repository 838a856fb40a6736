// `npm run bench:autolabel -- --resnet50` part: time of the mask score at ResNet-50 size, where the spatial maps are
// the cost. Workload (generated, not in git): .bench/resnet50.onnx (scripts/bench/export_resnet50.py, random weights:
// the cost does not depend on them) and .bench/images-1000 (bench/extract: 500x375 JPEGs), with synthetic masks (an
// ellipse per image) written to a temporary folder. Each pair is scored on 20 images of its class; every class's 5
// features share its images, as top-activating sets of one class overlap. Cold: no map stored; warm: all maps read
// from the SpatialStore the heatmaps share. Prints the figures; the caller writes them into BENCHMARKS.md.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat, readdir } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import sharp from 'sharp';
import { discoverDataset } from '../src/engine/dataset/discover';
import { inProcessRunner } from '../src/engine/jobs/inProcess';
import { maskFileFor } from '../src/engine/masks/maskFolder';
import type { MaskScoreItem } from '../src/engine/masks/maskScoreJob';

const MODEL = resolve('.bench/resnet50.onnx');
const IMAGES = resolve('.bench/images-1000');

/** Figures of one ResNet-50 run. */
export interface ScaleFigures {
  pairs: number;
  images: number;
  coldSeconds: number;
  warmSeconds: number;
  storeBytesPerImage: number;
  load: number;
  /** CPU seconds (user + system, all threads of this process): far less sensitive to other jobs than wall time. */
  coldCpuSeconds: number;
  warmCpuSeconds: number;
  /** 1-minute load average after the cold run. */
  loadAfter: number;
}

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  for (const n of await readdir(dir)) total += (await stat(join(dir, n))).size;
  return total;
}

/** Scores `classes` x 5 pairs on 20 images each with ResNet-50, cold then warm; null when the workload is absent. */
export async function measureResnet50(classes = 2, threads?: number): Promise<ScaleFigures | null> {
  if (!existsSync(MODEL) || !existsSync(IMAGES)) return null;
  const ds = await discoverDataset(IMAGES);
  const masks = await mkdtemp(join(tmpdir(), 'autolabel-masks-'));
  const cache = await mkdtemp(join(tmpdir(), 'autolabel-r50-'));
  try {
    const items: MaskScoreItem[] = [];
    for (const cls of ds.classes.slice(0, classes)) {
      const entries = ds.images.filter((e) => e.label === cls && e.split === 'train').slice(0, 20);
      for (const e of entries) {
        const { width, height } = await sharp(e.path).metadata();
        const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="100%" height="100%" fill="black"/><ellipse cx="${width! / 2}" cy="${height! / 2}" rx="${width! / 4}" ry="${height! / 3}" fill="white"/></svg>`;
        const file = maskFileFor(masks, e.rel);
        await mkdir(dirname(file), { recursive: true });
        await sharp(Buffer.from(svg)).greyscale().png().toFile(file);
      }
      for (let f = 0; f < 5; f++) items.push({ cls, feature: 100 * f + 7, entries });
    }
    const run = async () => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      const r = await inProcessRunner('mask-score')({ modelPath: MODEL, cacheDir: cache, source: { kind: 'folder', dir: masks }, items, threads });
      if (r.maskProblems.length) throw new Error(`unexpected mask problems: ${r.maskProblems[0].message}`);
      const c = process.cpuUsage(c0);
      return { wall: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6 };
    };
    const load = loadavg()[0];
    const cold = await run();
    const loadAfter = loadavg()[0];
    const warm = await run();
    const [coldSeconds, warmSeconds] = [cold.wall, warm.wall];
    const images = new Set(items.flatMap((it) => it.entries.map((e) => e.rel))).size;
    const sha = (await readdir(cache)).find((n) => /^[0-9a-f]{64}$/.test(n))!;
    const storeBytesPerImage = (await dirBytes(join(cache, sha, 'spatial'))) / images;
    return { pairs: items.length, images, coldSeconds, warmSeconds, storeBytesPerImage, load, coldCpuSeconds: cold.cpu, warmCpuSeconds: warm.cpu, loadAfter };
  } finally {
    await rm(masks, { recursive: true, force: true });
    await rm(cache, { recursive: true, force: true });
  }
}

// Alone: `node --import tsx bench/autolabel-scale.ts [classes]` prints the figures as JSON (bench:autolabel --resnet50 writes them).
if (process.argv[1] && resolve(process.argv[1]) === resolve(__filename)) {
  measureResnet50(Number(process.argv[2] ?? 2)).then((r) => console.log(JSON.stringify(r)), (e: unknown) => { console.error(e); process.exitCode = 1; });
}
