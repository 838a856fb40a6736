// Packages a platform-specific .vsix. onnxruntime-node ships binaries for every platform
// (about 290 MB); only the target's are kept, so the .vsix stays small.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';

const target = process.env.VSCE_TARGET || `${process.platform}-${process.arch}`;
const [os, arch] = target.split('-');
const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const out = process.argv[2] || `dist-vsix/${pkg.name}-${pkg.version}-${target}.vsix`;
mkdirSync('dist-vsix', { recursive: true });

// .vscodeignore keeps every platform's binaries out (vsce lets a `!` line override every ignore line,
// so pruning works by re-including only the target's, never by ignoring the others afterwards).
const keep = [
  `!node_modules/onnxruntime-node/bin/napi-v*/${os}/${arch}/**`,
  `!node_modules/@img/sharp-${os}-${arch}/**`,
  `!node_modules/@img/sharp-libvips-${os}-${arch}/**`,
];
const ignoreFile = 'dist-vsix/.vscodeignore.generated';
writeFileSync(ignoreFile, `${readFileSync('.vscodeignore', 'utf8')}\n${keep.join('\n')}\n`);

const r = spawnSync('npx', ['vsce', 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out,
  '--allow-missing-repository', '--no-update-package-json', '--no-rewrite-relative-links'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
console.log(`packaged ${out}`);
