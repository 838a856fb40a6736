// Runs every test/**/*.test.ts with node's built-in runner (via tsx); Node 20's --test has no globs.
// Pass --e2e to include the end-to-end suite in test/e2e (it needs code-server and Chromium); the .vsix is then
// packaged once before the e2e files run (E2E_REUSE_VSIX=1 skips that and uses the newest dist-vsix/*.vsix).
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
// End-to-end files each start a code-server and a browser: run them one at a time, on one .vsix packaged up front
// (concurrent `npm run package` runs would race on dist/ and dist-vsix/).
const env = { ...process.env };
if (includeE2e && process.env.E2E_REUSE_VSIX !== '1' && files.some((f) => f.includes('.e2e.'))) {
  const pack = spawnSync('npm', ['run', 'package'], { stdio: 'inherit' });
  if (pack.status !== 0) process.exit(pack.status ?? 1);
  env.E2E_REUSE_VSIX = '1';
}
const concurrency = includeE2e ? 1 : 2;
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', `--test-concurrency=${concurrency}`, '--test-reporter=spec', ...files], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
