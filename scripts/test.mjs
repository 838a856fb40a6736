// Runs every test/**/*.test.ts with node's built-in runner (via tsx); Node 20's --test has no globs.
// Pass --e2e to include the end-to-end suite in test/e2e (it needs code-server and Chromium).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const includeE2e = args.includes('--e2e');
const only = args.filter((a) => !a.startsWith('--'));
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name.startsWith('.') || name === 'node_modules') continue;
    if (statSync(p).isDirectory()) { if (name !== 'e2e' || includeE2e) walk(p); }
    else if (name.endsWith('.test.ts') && (only.length === 0 || only.some((o) => p.includes(o)))) files.push(p);
  }
};
walk('test');
files.sort();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
