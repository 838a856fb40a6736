// One member of the mitigation benchmark family (or the demo) as the mitigation benchmark uses it: generated (seeded),
// its model trained (cached), extracted, analysed and labelled from its probe images as `annotations from-probes`
// would, plus the per-image ground truth (cue or not) of every session image.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AnalysisSession } from '../../src/engine/analysis/session';
import { MemoryLabelStore } from '../../src/engine/analysis/labels';
import { annotateFromProbes } from '../../src/engine/analysis/probeAnnotate';
import { discoverDataset } from '../../src/engine/dataset/discover';
import { withoutSkippedUnder } from '../../src/engine/dataset/withoutFolder';
import { extract } from '../../src/engine/extract/pipeline';
import { generateFamilyMember } from '../../scripts/bench/family/generate.mjs';
import { ensureFamilyModel } from '../../scripts/bench/family/model.mjs';
import type { FamilySpec } from '../../scripts/bench/family/specs.mjs';
import { DEMO_DATA, probeLabelledDemo } from './probeLabelledDemo';

/** A labelled session with its cue flags. */
export interface LabelledMember {
  session: AnalysisSession;
  /** 1 where the session image carries the planted cue. */
  cue: Uint8Array;
  probes: { labeled: number; spurious: number };
  model: string;
}

function cueFlags(session: AnalysisSession, folder: string): Uint8Array {
  const truth = JSON.parse(readFileSync(join(folder, 'ground-truth.json'), 'utf8')) as { images: Record<string, { cue: boolean }> };
  return Uint8Array.from(session.entries, (e) => {
    const t = truth.images[e.rel];
    if (!t) throw new Error(`${folder}/ground-truth.json has no entry for ${e.rel}`);
    return t.cue ? 1 : 0;
  });
}

/** The demo benchmark (bundled model, its own head). */
export async function demoMember(): Promise<LabelledMember> {
  const { session, probes } = await probeLabelledDemo({ bootstrap: 0 });
  return { session, cue: cueFlags(session, DEMO_DATA), probes, model: session.model.path };
}

/** A family member under `root`: generated, model trained (or reused), extracted, probe-labelled. */
export async function familyMember(spec: FamilySpec, root: string, log: (m: string) => void): Promise<LabelledMember> {
  const folder = await generateFamilyMember(spec, root);
  const model = ensureFamilyModel(spec, folder, log);
  const cacheDir = join(folder, '.spuriosity');
  const dataset = withoutSkippedUnder(await discoverDataset(folder), cacheDir);
  const extraction = await extract({ dataset, modelPath: model, cacheDir });
  const store = new MemoryLabelStore();
  const session = AnalysisSession.create(dataset, extraction, store, { bootstrap: 0 });
  const probes = await annotateFromProbes(session, store, join(folder, 'probes'), cacheDir);
  return { session, cue: cueFlags(session, folder), probes, model };
}
