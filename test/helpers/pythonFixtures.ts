// Builds fixtures with the project's Python scripts (Debian's python3-torch), once per script version:
// test/.fixtures/<name>/.stamp holds a hash of the scripts, so editing a script regenerates its fixture.
import { spawnSync, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestContext } from 'node:test';

/** The interpreter with torch: Debian's, not whatever python3 is first on PATH (SPURIOSITY_TEST_PYTHON overrides it). */
export const PYTHON = process.env.SPURIOSITY_TEST_PYTHON || '/usr/bin/python3';
const ROOT = resolve(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'test', '.fixtures');

let torchChecked: boolean | null = null;

/** True when /usr/bin/python3 can import torch, torchvision and onnx (checked once per process). */
export function hasTorch(): boolean {
  torchChecked ??= spawnSync(PYTHON, ['-c', 'import torch, torchvision, onnx'], { stdio: 'ignore' }).status === 0;
  return torchChecked;
}

/**
 * Returns the fixture folder built by running `scripts[0]` (a path from the repo root) with the folder as its
 * argument (then `args`); every script listed, and the args, are hashed into the stamp. Without torch: throws under CI, else skips the test and returns null.
 */
export async function pythonFixture(t: TestContext, name: string, scripts: string[], args: string[] = []): Promise<string | null> {
  if (!hasTorch()) {
    const msg = `${PYTHON} cannot import torch/torchvision/onnx; install them with: apt-get install python3-torch python3-torchvision python3-onnx`;
    if (process.env.CI) throw new Error(`CI must build the Python fixtures: ${msg}`);
    t.skip(msg);
    return null;
  }
  const hash = createHash('sha256');
  for (const s of scripts) hash.update(s).update(readFileSync(join(ROOT, s)));
  if (args.length) hash.update(JSON.stringify(args));
  const stamp = hash.digest('hex');
  const dir = join(FIXTURES, name);
  if (readStamp(dir) === stamp) return dir;
  // Build beside the final folder and rename, so a concurrent test process never sees a half-written fixture.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  await new Promise<void>((ok, fail) => {
    execFile(PYTHON, [join(ROOT, scripts[0]), tmp, ...args], { cwd: ROOT, maxBuffer: 16 << 20, timeout: 15 * 60_000 }, (err, _out, stderr) => {
      if (err) fail(new Error(`${scripts[0]} failed building fixture "${name}": ${err.message}\n${stderr}`));
      else ok();
    });
  });
  writeFileSync(join(tmp, '.stamp'), stamp);
  if (readStamp(dir) === stamp) {
    rmSync(tmp, { recursive: true, force: true });
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another process renamed its identical build into place first.
    if (readStamp(dir) !== stamp) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

function readStamp(dir: string): string | null {
  const p = join(dir, '.stamp');
  return existsSync(p) ? readFileSync(p, 'utf8') : null;
}

/** Reads a little-endian float32 .bin written by a fixture script, checking its length against meta.json's shape. */
export function readFloat32(dir: string, file: string): { data: Float32Array; shape: number[] } {
  const meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as Record<string, number[]>;
  const shape = meta[file];
  if (!shape) throw new Error(`${dir}/meta.json has no entry for ${file}`);
  const buf = readFileSync(join(dir, file));
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`${dir}/${file} has ${data.length} values; meta.json says shape [${shape}]`);
  return { data, shape };
}

/** Largest absolute elementwise difference of two equal-length arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
