// The trained model of a family member, cached under <member>/model/<key>.onnx where the key hashes the spec, the pixel
// recipe and the training script: a rerun with the same parameters trains nothing. Training uses Debian's PyTorch
// (/usr/bin/python3, package python3-torch), or $FAMILY_PYTHON.
//   node scripts/bench/family/model.mjs [--only name] [--root .bench/mitigation]   (generates and trains what is missing)
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { generateFamilyMember, specKey } from './generate.mjs';
import { FAMILY } from './specs.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const SCRIPT = join(here, 'train_family_model.py');

/** Path of the member's model for this spec (trained on first use); `log` receives the training script's output. */
export function ensureFamilyModel(spec, folder, log = (m) => process.stderr.write(m)) {
  const key = createHash('sha256').update(specKey(spec)).update(readFileSync(SCRIPT)).digest('hex').slice(0, 16);
  const out = join(folder, 'model', `${spec.arch}-${key}.onnx`);
  if (existsSync(out)) return out;
  const python = process.env.FAMILY_PYTHON ?? '/usr/bin/python3';
  const args = [SCRIPT, '--data', folder, '--arch', spec.arch, '--backbone', spec.backbone, '--head', spec.head, '--epochs', String(spec.epochs),
    '--pretrain-epochs', String(spec.pretrainEpochs), '--seed', String(spec.seed), '--out', out];
  const r = spawnSync(python, args, { encoding: 'utf8', env: { ...process.env, PYTHONWARNINGS: 'ignore' } });
  log(r.stdout ?? '');
  if (r.status !== 0) {
    throw new Error(`training ${spec.name}'s model failed (${python} ${args.join(' ')}): ${r.error?.message ?? r.stderr?.trim().split('\n').slice(-3).join(' ')}`
      + (python === '/usr/bin/python3' ? ' (needs Debian\'s python3-torch: apt-get install python3-torch)' : ''));
  }
  return out;
}

async function main() {
  const { values } = parseArgs({ options: { only: { type: 'string' }, root: { type: 'string' } } });
  for (const spec of FAMILY.filter((s) => !values.only || s.name === values.only)) {
    const folder = await generateFamilyMember(spec, values.root);
    const t0 = Date.now();
    const model = ensureFamilyModel(spec, folder, (m) => process.stderr.write(m.split('\n').map((l) => (l ? `${spec.name}: ${l}` : l)).join('\n')));
    console.error(`${spec.name}: ${model} (${((Date.now() - t0) / 1000).toFixed(0)} s)`);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => { console.error(e instanceof Error ? e.message : String(e)); process.exit(1); });
}
