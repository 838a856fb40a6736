// The `spuriosity` CLI as a user runs it (a separate process over the TypeScript sources), and the small seeded demo
// benchmark the CLI tests run it on.
import { after, before } from 'node:test';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';

/** What a CLI run left behind. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const MAIN = join(__dirname, '..', '..', 'src', 'cli', 'main.ts');

/** A runner of `spuriosity <args> <always>`: `always` (e.g. `--threads 1`) ends every command line. */
export function cliRunner(...always: string[]): (...args: string[]) => CliRun {
  return (...args) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args, ...always], { encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/**
 * A fresh demo benchmark (seed 3, probes included) under test/.fixtures/<name>-<pid>/demo, generated before the file's
 * tests and removed after them; `setup` runs once it exists (e.g. to label it).
 */
export function demoFixture(name: string, sizes: { trainPerClass: number; valPerClass: number } = { trainPerClass: 20, valPerClass: 10 }, setup?: (data: string) => void | Promise<void>): { root: string; data: string } {
  const root = join(__dirname, '..', '.fixtures', `${name}-${process.pid}`);
  const data = join(root, 'demo');
  before(async () => {
    rmSync(root, { recursive: true, force: true });
    await generateDemoDataset({ out: data, seed: 3, probesPerClass: 4, ...sizes });
    await setup?.(data);
  });
  after(() => rmSync(root, { recursive: true, force: true }));
  return { root, data };
}
