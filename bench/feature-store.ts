// `npm run bench:store`: Parquet feature stores at ImageNet shape (1,000 classes, 2,048 float16 features; bench/lib/
// scaleDataset's planted workload, its cache written directly). For each size: `spuriosity features export` (the
// out-of-core analysis, then the rows streamed into Parquet), `features import` of that file into a fresh cache
// (logits from the file) and of a --no-logits export (logits computed from the head), each as a user runs it with its
// peak RSS; DuckDB reading the export; and a sample of imported rows checked bit for bit against the original cache.
// Usage: npm run bench:store [-- --sizes 50000,150000 (training images; +50,000 validation)] [--write]
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { AnnotationFileStore } from '../src/engine/annotations/store';
import { FeatureCache } from '../src/engine/cache/featureCache';
import { loadModel } from '../src/engine/model/loadModel';
import { writeBenchmarksSection } from './lib/benchmarksSection';
import { className, coreOf, cueOf, imagenetSpec } from './lib/plantedFeatures';
import { scaleWorkload, type ScaleWorkload } from './lib/scaleDataset';

const args = process.argv.slice(2);
const flag = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const SIZES = (flag('--sizes') ?? '50000,150000').split(',').map(Number);
const CLI = resolve('dist/cli.js');

interface Run { rssMb: number; s: number; cpuS: number; json: Record<string, unknown> }

/** The built CLI under /usr/bin/time: its --json report, peak RSS (MB), wall time and CPU time (user + system, s). */
function cli(argv: string[]): Run {
  const r = spawnSync('/usr/bin/time', ['-f', 'TIME %M %e %U %S', process.execPath, CLI, ...argv, '--json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const m = /TIME (\d+) ([\d.]+) ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  if (r.status !== 0 || !m) throw new Error(`spuriosity ${argv.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  return { rssMb: Number(m[1]) / 1024, s: Number(m[2]), cpuS: Number(m[3]) + Number(m[4]), json: JSON.parse(r.stdout) as Record<string, unknown> };
}

async function annotate(w: ScaleWorkload): Promise<string> {
  const file = join(w.root, 'annotations.json');
  if (existsSync(file)) return file;
  const { info } = await loadModel(w.model);
  const store = await AnnotationFileStore.open(file, { sha256: info.sha256, name: 'planted' }, w.data);
  for (let c = 0; c < w.spec.classes; c++) {
    if (cueOf(w.spec, c) < 0) continue;
    await store.set(className(c), cueOf(w.spec, c), { label: 'spurious' });
    await store.set(className(c), coreOf(w.spec, c)[0], { label: 'core' });
  }
  return file;
}

/** Rows of both caches for `sample` images spread over the dataset: identical float16 features and logits? */
async function sameRows(w: ScaleWorkload, sha: string, other: string, sample: number): Promise<boolean> {
  const meta = { sha256: sha, dim: w.spec.dim, classes: w.spec.classes };
  const { discoverDataset } = await import('../src/engine/dataset/discover');
  const images = (await discoverDataset(w.data)).images;
  const pick = Array.from({ length: sample }, (_, k) => images[Math.floor((k * images.length) / sample)]);
  const read = async (dir: string) => {
    const c = await FeatureCache.open(dir, meta);
    const p = new Float32Array(sample * meta.dim);
    const l = new Float32Array(sample * meta.classes);
    const r = await c.lookup(pick, p, l);
    return { p, l, hits: r.hits };
  };
  const [a, b] = [await read(w.cache), await read(other)];
  return a.hits === sample && b.hits === sample && Buffer.compare(Buffer.from(a.p.buffer), Buffer.from(b.p.buffer)) === 0 && Buffer.compare(Buffer.from(a.l.buffer), Buffer.from(b.l.buffer)) === 0;
}

async function measure(nTrain: number) {
  const w = await scaleWorkload(resolve('.bench', `store-${nTrain}`), imagenetSpec(nTrain), (s) => console.log(s));
  const ann = await annotate(w);
  const { info } = await loadModel(w.model);
  const common = ['--model', w.model, '--annotations', ann];
  const out = join(w.root, 'features.parquet');
  const outNoLogits = join(w.root, 'features-nologits.parquet');
  const ex = cli(['features', 'export', w.data, ...common, '--cache', w.cache, '--out', out]);
  console.log(`  export: ${ex.s} s, ${ex.rssMb.toFixed(0)} MB`);
  const exNL = cli(['features', 'export', w.data, ...common, '--cache', w.cache, '--out', outNoLogits, '--no-logits']);
  console.log(`  export --no-logits: ${exNL.s} s, ${exNL.rssMb.toFixed(0)} MB`);
  const fresh = join(w.root, 'imported');
  rmSync(fresh, { recursive: true, force: true });
  const im = cli(['features', 'import', w.data, out, '--model', w.model, '--cache', fresh, '--strict']);
  console.log(`  import: ${im.s} s, ${im.rssMb.toFixed(0)} MB`);
  const identical = await sameRows(w, info.sha256, fresh, 2000);
  rmSync(fresh, { recursive: true, force: true });
  const imNL = cli(['features', 'import', w.data, outNoLogits, '--model', w.model, '--cache', fresh, '--strict']);
  console.log(`  import, logits computed: ${imNL.s} s, ${imNL.rssMb.toFixed(0)} MB`);
  rmSync(fresh, { recursive: true, force: true });
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const t = performance.now();
  const [row] = (await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n, avg(features[1])::DOUBLE AS f1, sum(correct::INT)::BIGINT AS correct FROM '${out}'`)).getRowObjectsJson();
  const duckS = (performance.now() - t) / 1000;
  conn.closeSync();
  const images = Number(ex.json.rows);
  if (Number(row.n) !== images) throw new Error(`DuckDB counted ${String(row.n)} rows, the export wrote ${images}`);
  return {
    exportCpuS: ex.cpuS, importCpuS: im.cpuS, importNoLogitsCpuS: imNL.cpuS, load: loadavg()[0],
    images, exportS: ex.s, exportWriteS: Number(ex.json.seconds), exportRssMb: ex.rssMb, bytes: statSync(out).size, bytesNoLogits: statSync(outNoLogits).size,
    exportNoLogitsS: exNL.s, exportNoLogitsRssMb: exNL.rssMb,
    importS: im.s, importRssMb: im.rssMb, importNoLogitsS: imNL.s, importNoLogitsRssMb: imNL.rssMb, duckS, identical,
  };
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm run bench:store does)`);
  console.log(`${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}`);
  const rows = [];
  for (const n of SIZES) {
    console.log(`\n${n} training images (+ 50,000 validation):`);
    const r = await measure(n);
    console.log(JSON.stringify(r));
    rows.push(r);
  }
  const mb = (b: number) => `${(b / 1e6).toFixed(0)} MB`;
  const lines = [
    `Run: \`npm run bench:store -- --sizes ${SIZES.join(',')}\` (training images, + 50,000 validation; 1,000 classes, 2,048 features;`,
    `load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores at the end). Times and peak RSS are of the CLI as a user runs it (\`/usr/bin/time\`).`,
    '',
    '| images | export: wall (of which writing) / CPU | export peak RSS | file (float16 + logits / no logits) | import (logits in file): wall / CPU | import peak RSS | import, logits computed: wall / CPU | its peak RSS | DuckDB scan | imported rows identical |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.images.toLocaleString('en-US')} | ${r.exportS.toFixed(0)} s (${r.exportWriteS.toFixed(0)} s) / ${r.exportCpuS.toFixed(0)} s | ${r.exportRssMb.toFixed(0)} MB | ${mb(r.bytes)} / ${mb(r.bytesNoLogits)} | ${r.importS.toFixed(0)} s / ${r.importCpuS.toFixed(0)} s | ${r.importRssMb.toFixed(0)} MB | ${r.importNoLogitsS.toFixed(0)} s / ${r.importNoLogitsCpuS.toFixed(0)} s | ${r.importNoLogitsRssMb.toFixed(0)} MB | ${r.duckS.toFixed(1)} s | ${r.identical ? 'yes (2,000 sampled, bit for bit)' : 'NO'} |`),
  ];
  console.log(`\n${lines.join('\n')}`);
  if (args.includes('--write')) console.log(`wrote ${writeBenchmarksSection('feature-store', 'ImageNet scale: Parquet feature stores (`bench/feature-store.ts`)', lines)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
