// Parquet feature stores: our export read back exactly (float16 bits and logits), DuckDB (a second, independent Parquet
// implementation) reading what we write and writing what we import, and bad files and rows reported by file and row.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { FeatureCache } from '../../src/engine/cache/featureCache';
import { StreamedSession } from '../../src/engine/analysis/streamed/streamedSession';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { rankReport } from '../../src/engine/analysis/report';
import { exportFeatureStore } from '../../src/engine/store/exportStore';
import { importFeatureStores } from '../../src/engine/store/importStore';
import { openStore } from '../../src/engine/store/readStore';
import { FEATURE_STORE_SCHEMA } from '../../src/engine/store/schema';
import type { Dataset } from '../../src/engine/dataset/types';
import type { ExtractDeps } from '../../src/engine/extract/types';
import type { ModelInfo } from '../../src/engine/model/types';
import { className, cueOf, type PlantedSpec } from '../../bench/lib/plantedFeatures';
import { plantedCache } from '../helpers/plantedCache';

const spec: PlantedSpec = { classes: 8, dim: 40, trainOf: () => 30, valPerClass: 10, seed: 5 };
let dir: string;
let planted: { dataset: Dataset; model: ModelInfo; deps: ExtractDeps };
let exported: string;

const cacheA = () => join(dir, 'cacheA');
const spurious = () => Array.from({ length: spec.classes }, (_, c) => c).filter((c) => cueOf(spec, c) >= 0)
  .map((c) => ({ cls: className(c), feature: cueOf(spec, c), verdict: { label: 'spurious' as const } }));

async function session(cacheDir: string): Promise<StreamedSession> {
  return StreamedSession.open({ dataset: planted.dataset, modelPath: '/planted/model.onnx', cacheDir, deps: planted.deps, threads: 1, openLabels: async () => new MemoryLabelStore(spurious()), options: { bootstrap: 0 } });
}

/** Every image's pooled features and logits as the cache returns them. */
async function rows(cacheDir: string): Promise<{ pooled: Float32Array; logits: Float32Array; hits: number }> {
  const { model, dataset } = planted;
  const cache = await FeatureCache.open(cacheDir, { sha256: model.sha256, dim: model.dim, classes: model.classes });
  const pooled = new Float32Array(dataset.images.length * model.dim);
  const logits = new Float32Array(dataset.images.length * model.classes);
  const r = await cache.lookup(dataset.images, pooled, logits);
  return { pooled, logits, hits: r.hits };
}

async function duck(sql: string): Promise<Record<string, unknown>[]> {
  const db = await DuckDBInstance.create(':memory:');
  const c = await db.connect();
  try {
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    c.closeSync();
  }
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'spl-store-'));
  planted = await plantedCache(cacheA(), spec, 70);
  exported = join(dir, 'ours.parquet');
  const s = await session(cacheA());
  const r = await exportFeatureStore({ view: s, cacheDir: cacheA(), out: exported, batchRows: 100 });
  assert.equal(r.rows, planted.dataset.images.length);
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('round trip: ours -> Parquet -> ours gives the same float16 features and logits, and the same rankings', async () => {
  const info = (await openStore(exported)).info;
  assert.equal(info.schema, FEATURE_STORE_SCHEMA);
  assert.equal(info.featureSize, spec.dim);
  const cacheB = join(dir, 'cacheB');
  const rep = await importFeatureStores({ files: [exported], dataset: planted.dataset, model: planted.model, cacheDir: cacheB, shardRows: 64 });
  assert.equal(rep.problemCount, 0, JSON.stringify(rep.problems.slice(0, 3)));
  assert.equal(rep.imported, planted.dataset.images.length);
  assert.equal(rep.files[0].logitsFromFile, rep.imported);
  assert.equal(rep.missing.count, 0);
  const a = await rows(cacheA());
  const b = await rows(cacheB);
  assert.equal(b.hits, planted.dataset.images.length);
  assert.deepEqual(b.pooled, a.pooled);
  assert.deepEqual(b.logits, a.logits);
  assert.deepEqual(rankReport(await session(cacheB), 5), rankReport(await session(cacheA()), 5));
});

test('DuckDB reads our export: every column, float16 features as their exact values', async () => {
  const [head] = await duck(`SELECT count(*)::INT AS n, min(len(features))::INT AS dmin, max(len(features))::INT AS dmax, min(len(logits))::INT AS c,
    count(DISTINCT class)::INT AS classes, sum(correct::INT)::INT AS correct, count(spuriosity)::INT AS scored FROM '${exported}'`);
  const s = await session(cacheA());
  assert.deepEqual(head, {
    n: planted.dataset.images.length, dmin: spec.dim, dmax: spec.dim, c: spec.classes, classes: spec.classes,
    correct: s.correct.reduce((x, y) => x + y, 0), scored: Array.from(s.spuriosity.scores).filter(Number.isFinite).length,
  });
  const a = await rows(cacheA());
  const third = planted.dataset.images[3];
  const [r] = await duck(`SELECT path, class, split, features FROM '${exported}' WHERE path = '${third.rel}'`);
  assert.equal(r.class, third.label);
  assert.equal(r.split, third.split);
  assert.deepEqual((r.features as number[]).map(Number), Array.from(a.pooled.subarray(3 * spec.dim, 4 * spec.dim)));
});

test('a store DuckDB wrote (double[] lists, no logits, rows shuffled, extra columns) imports; logits come from the head', async () => {
  const theirs = join(dir, 'duckdb.parquet');
  await duck(`COPY (SELECT 'x' || path AS id, path, class, features::DOUBLE[] AS features, 42 AS epoch FROM '${exported}' ORDER BY hash(path)) TO '${theirs}' (FORMAT parquet)`);
  const cacheC = join(dir, 'cacheC');
  const rep = await importFeatureStores({ files: [theirs], dataset: planted.dataset, model: planted.model, cacheDir: cacheC });
  assert.equal(rep.problemCount, 0, JSON.stringify(rep.problems.slice(0, 3)));
  assert.equal(rep.imported, planted.dataset.images.length);
  assert.equal(rep.files[0].logitsFromFile, 0);
  assert.equal(rep.files[0].schema, null);
  const a = await rows(cacheA());
  const c = await rows(cacheC);
  assert.deepEqual(c.pooled, a.pooled, 'float16 values survive a trip through DuckDB doubles');
  // logits recomputed from the float16 features: close to the stored ones, and the same predictions
  for (let i = 0; i < a.logits.length; i++) assert.ok(Math.abs(c.logits[i] - a.logits[i]) < 0.05, `logit ${i}: ${c.logits[i]} vs ${a.logits[i]}`);
  const [sa, sc] = [await session(cacheA()), await session(cacheC)];
  assert.deepEqual(sc.predictions, sa.predictions);
  // a session's saved analysis (keyed by path/size/mtime, not by features) is dropped once rows are imported over it
  const modelDir = join(cacheC, planted.model.sha256);
  const saved = () => readdirSync(modelDir).filter((n) => /^analysis-.*\.idx$/.test(n));
  assert.ok(saved().length > 0, 'the session saved its analysis beside the cache');
  await importFeatureStores({ files: [theirs], dataset: planted.dataset, model: planted.model, cacheDir: cacheC });
  assert.deepEqual(saved(), []);
});

test('bad files and bad rows are reported by file and row; the good rows and files still import', async () => {
  const D = spec.dim;
  const imgs = planted.dataset.images;
  const good = (k: number) => `list_transform(range(${D}), x -> (x * 0.01 + ${k})::FLOAT)`;
  const bad = join(dir, 'bad.parquet');
  await duck(`COPY (SELECT * FROM (VALUES
    (0, '${imgs[0].rel}', '${imgs[0].label}', ${good(0)}),
    (1, '${imgs[1].rel}', '${imgs[1].label}', list_transform(range(${D}), x -> CASE WHEN x = 7 THEN 'nan'::FLOAT ELSE 1::FLOAT END)),
    (2, '${imgs[2].rel}', '${imgs[2].label}', list_transform(range(${D - 1}), x -> 1::FLOAT)),
    (3, 'train/nope/missing.png', '${imgs[3].label}', ${good(3)}),
    (4, '${imgs[0].rel}', '${imgs[0].label}', ${good(4)}),
    (5, '${imgs[5].rel}', 'not-a-class', ${good(5)}),
    (6, '${imgs[6].rel}', '${imgs[imgs.length - 1].label}', ${good(6)}),
    (7, '${imgs[7].rel}', '${imgs[7].label}', NULL::FLOAT[]),
    (8, NULL, '${imgs[8].label}', ${good(8)}),
    (9, './${imgs[9].rel}', NULL, ${good(9)})
  ) t(k, path, class, features) ORDER BY k) TO '${bad}' (FORMAT parquet)`);
  const noFeatures = join(dir, 'no-features.parquet');
  await duck(`COPY (SELECT '${imgs[10].rel}' AS path, [1.0, 2.0] AS feats) TO '${noFeatures}' (FORMAT parquet)`);
  const notParquet = join(dir, 'not.parquet');
  writeFileSync(notParquet, 'path,features\n');
  const rep = await importFeatureStores({ files: [notParquet, bad, noFeatures, exported], dataset: planted.dataset, model: planted.model, cacheDir: join(dir, 'cacheD') });
  const byRow = new Map(rep.problems.filter((p) => p.file === bad).map((p) => [p.row, p.problem]));
  assert.match(byRow.get(1)!, /features\[7\] is NaN/);
  assert.match(byRow.get(2)!, new RegExp(`features has ${D - 1} values, the model has ${D} features`));
  assert.match(byRow.get(3)!, /path is not an image of the dataset/);
  assert.match(byRow.get(4)!, /duplicate: row 0 of .*bad\.parquet/);
  assert.match(byRow.get(5)!, /class "not-a-class" is not a class of the dataset/);
  assert.match(byRow.get(6)!, /but the dataset has this image in class/);
  assert.match(byRow.get(7)!, /features is null/);
  assert.match(byRow.get(8)!, /path is null/);
  assert.equal(byRow.size, 8, JSON.stringify([...byRow]));
  assert.match(rep.problems.find((p) => p.file === notParquet)!.problem, /not a readable Parquet file/);
  assert.match(rep.problems.find((p) => p.file === noFeatures)!.problem, /has no "features" column \(columns: path, feats\)/);
  assert.equal(rep.files[1].imported, 2, 'rows 0 and 9 (a ./ path without a class) of the bad file');
  // the exported file then brings every image but the two already taken from the bad file (duplicates, reported)
  assert.equal(rep.files[3].imported, imgs.length - 2);
  assert.equal(rep.files[3].rejected, 2);
  assert.equal(rep.imported, imgs.length);
  assert.equal(rep.missing.count, 0);
});
