// `npm run demo`: the main job end to end on the bundled demo benchmark and model.
// Generates the dataset (seeded) when absent, extracts features with the demo model, labels the top features from
// the benchmark's probe images, then prints rankings, spurious gaps and a low-spuriosity fine-tuning run.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { generateDemoDataset } from './demo/generate-dataset.mjs';

const DATA = 'demo-data/spurious-mnist';
const cli = (...args) => {
  console.log(`\n$ spuriosity ${args.join(' ')}`);
  const r = spawnSync(process.execPath, ['dist/cli.js', ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`demo: "spuriosity ${args.join(' ')}" failed with exit code ${r.status}`);
    process.exit(r.status ?? 1);
  }
};

const started = Date.now();
if (!existsSync('models/demo/spurious-mnist.onnx')) {
  console.error('demo: models/demo/spurious-mnist.onnx is missing; it is committed with the repository (see models/README.md).');
  process.exit(1);
}
console.log(`Demo dataset: ${DATA} (planted spurious cue: a class-specific background in most training images and half of the validation images)`);
await generateDemoDataset({ out: DATA });
cli('extract', DATA);
cli('annotations', 'from-probes', DATA);
cli('rank', DATA, '--show', '3');
cli('gap', DATA);
cli('tune', DATA, '--method', 'all', '--out', `${DATA}/.spuriosity/tuned`);
console.log(`\nDemo finished in ${((Date.now() - started) / 1000).toFixed(1)} s. Open ${DATA} in VS Code and run "Spuriosity: Rank Dataset" on it to explore the panel.`);
// The paper's other analyses take longer than the main job: named here rather than run.
console.log(`Next: node dist/cli.js crop ${DATA} --class 2-two   (core crops, section 5)
      node dist/cli.js sensitivity ${DATA} --class 2-two   (colour / texture / shape, appendix B)
      npm run demo:compare   (the demo model and its variants compared, section 4.2)`);
