// The demo benchmark as the demo checks use it: generated (seeded), extracted with the demo model, analysed, and
// labelled from its probe images, as a user would get with `spuriosity annotations from-probes`.
import { join, resolve } from 'node:path';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { annotateFromProbes } from '../../src/engine/analysis/probeAnnotate';
import { discoverDataset } from '../../src/engine/dataset/discover';
import { withoutSkippedUnder } from '../../src/engine/dataset/withoutFolder';
import { extract } from '../../src/engine/extract/pipeline';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';

/** The demo dataset folder every demo check uses. */
export const DEMO_DATA = resolve('demo-data/spurious-mnist');
/** The bundled demo model, or SPURIOSITY_DEMO_MODEL. */
export const DEMO_MODEL = resolve(process.env.SPURIOSITY_DEMO_MODEL ?? 'models/demo/spurious-mnist.onnx');

/** Generates the demo (if missing), extracts it, and returns its session labelled from the probes. */
export async function probeLabelledDemo(opts: { bootstrap: number }) {
  await generateDemoDataset({ out: DEMO_DATA });
  const cacheDir = join(DEMO_DATA, '.spuriosity');
  const dataset = withoutSkippedUnder(await discoverDataset(DEMO_DATA), cacheDir);
  const extraction = await extract({ dataset, modelPath: DEMO_MODEL, cacheDir });
  const store = new MemoryLabelStore();
  const session = AnalysisSession.create(dataset, extraction, store, { bootstrap: opts.bootstrap });
  const probes = await annotateFromProbes(session, store, join(DEMO_DATA, 'probes'), cacheDir);
  return { dataset, extraction, store, session, probes, cacheDir };
}
