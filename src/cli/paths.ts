// Default locations the CLI resolves: the bundled demo model and the per-dataset cache.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The package root: the nearest ancestor of this file holding spuriosity-lens's package.json (dist/cli.js -> ..; src/cli/*.ts -> ../..). */
export function packageRoot(from: string = __dirname): string {
  let dir = resolve(from);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'spuriosity-lens') return dir;
      } catch { /* not ours: keep looking */ }
    }
    const up = dirname(dir);
    if (up === dir) return resolve(from, '..');
    dir = up;
  }
}

/** The demo model shipped with the package. */
export function defaultModelPath(): string {
  return join(packageRoot(), 'models', 'demo', 'spurious-mnist.onnx');
}

/** `<dataset>/.spuriosity` for a folder; beside the manifest for a manifest file. */
export function defaultCacheDir(datasetArg: string): string {
  const p = resolve(datasetArg);
  let isFile = false;
  try {
    isFile = statSync(p).isFile();
  } catch { /* a missing dataset is reported by discovery */ }
  return join(isFile ? dirname(p) : p, '.spuriosity');
}
