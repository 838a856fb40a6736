import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { sourceMappedStack } from '../../src/engine/jobs/sourceMappedStack';

test("a bug's stack in a minified bundle names the src/ file and line through the shipped source map", () => {
  const root = mkdtempSync(join(tmpdir(), 'stackmap-'));
  mkdirSync(join(root, 'src'));
  writeFileSync(join(root, 'src', 'thrower.ts'), [
    'export function outer(x: number): number {',
    '  return inner(x) + 1;',
    '}',
    'function inner(x: number): number {',
    '  if (x > 0) throw new TypeError(`bad ${x}`);',
    '  return x;',
    '}',
    '',
  ].join('\n'));
  // as scripts/build.mjs builds the Node bundles for the .vsix: minified, map with positions only
  buildSync({ entryPoints: [join(root, 'src', 'thrower.ts')], outfile: join(root, 'dist', 'extension.js'), bundle: true, minify: true,
    sourcemap: true, sourcesContent: false, platform: 'node', format: 'cjs', logLevel: 'silent' });
  // the extension host does not map stacks itself (the test runner's tsx would: off while the bundle loads and throws)
  process.setSourceMapsEnabled(false);
  let stack = '';
  try {
    const { outer } = createRequire(__filename)(join(root, 'dist', 'extension.js')) as { outer: (x: number) => number };
    outer(2);
  } catch (e) {
    stack = (e as Error).stack ?? '';
  } finally {
    process.setSourceMapsEnabled(true);
  }
  assert.match(stack, /dist[\\/]extension\.js:1:\d+/, `the raw stack points into the bundle: ${stack}`);
  const mapped = sourceMappedStack(stack);
  assert.match(mapped, /src\/thrower\.ts:5:\d+/, `the throw is on line 5 of src/thrower.ts: ${mapped}`);
  assert.match(mapped, /src\/thrower\.ts:2:\d+/, 'the caller too');
  assert.doesNotMatch(mapped, /dist[\\/]extension\.js/);
  assert.match(mapped, /^TypeError: bad 2/, 'the message is kept');
});

test('frames without a source map are left as they are', () => {
  const stack = 'Error: x\n    at f (/nowhere/dist/other.js:1:20)\n    at node:internal/main:3:1';
  assert.equal(sourceMappedStack(stack), stack);
});
