// Feature cache load speed: N images x D float16 features (default 100k x 2048), written as one
// compacted shard and as batch shards, then looked up cold. Run: node --import tsx bench/extract/cache-load.ts [N] [D]
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { FeatureCache } from '../../src/engine/cache/featureCache';

async function main(n: number, dim: number, classes = 1000): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'spl-cacheload-'));
  const meta = { sha256: 'cd'.repeat(32), dim, classes };
  const entries = Array.from({ length: n }, (_, i) => ({ rel: `class${i % 1000}/img${i}.jpg`, size: 1000 + i, mtimeMs: 1.7e12 + i }));
  const pooled = new Float32Array(n * dim);
  for (let i = 0; i < pooled.length; i++) pooled[i] = (i * 2654435761 % 1000) / 100;
  const logits = new Float32Array(n * classes);
  const cache = await FeatureCache.open(root, meta);
  let t = performance.now();
  await cache.compact({ entries, pooled, logits, failures: [] });
  console.log(`write one shard of ${n} x ${dim}: ${((performance.now() - t) / 1000).toFixed(2)} s`);
  t = performance.now();
  const reopened = await FeatureCache.open(root, meta);
  const outP = new Float32Array(n * dim);
  const outL = new Float32Array(n * classes);
  const r = await reopened.lookup(entries, outP, outL);
  console.log(`open + lookup (cold process cache) ${r.hits} x ${dim}: ${((performance.now() - t) / 1000).toFixed(2)} s`);
  rmSync(root, { recursive: true, force: true });
}

main(Number(process.argv[2] ?? 100_000), Number(process.argv[3] ?? 2048)).catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
