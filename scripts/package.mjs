// Packages a platform-specific .vsix. onnxruntime-node ships binaries for every platform
// (about 290 MB); only the target's are kept, so the .vsix stays small.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

const target = process.env.VSCE_TARGET || `${process.platform}-${process.arch}`;
const [os, arch] = target.split('-');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = process.argv[2] || `dist-vsix/${pkg.name}-${pkg.version}-${target}.vsix`;
mkdirSync('dist-vsix', { recursive: true });

const ortPlatforms = ['darwin/arm64', 'darwin/x64', 'linux/arm64', 'linux/x64', 'win32/arm64', 'win32/x64'];
const drop = ortPlatforms.filter((p) => p !== `${os}/${arch}`).map((p) => `node_modules/onnxruntime-node/bin/napi-v*/${p}/**`);
// sharp's per-platform packages are optional dependencies: keep only the target's.
drop.push(`node_modules/@img/sharp-!(${os}-${arch}|libvips-${os}-${arch})/**`);
drop.push('node_modules/@img/sharp-wasm32/**');
const ignoreFile = 'dist-vsix/.vscodeignore.generated';
writeFileSync(ignoreFile, `${readFileSync('.vscodeignore', 'utf8')}\n${drop.join('\n')}\n`);

const r = spawnSync('npx', ['vsce', 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out,
  '--allow-missing-repository', '--no-update-package-json'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
console.log(`packaged ${out}`);
