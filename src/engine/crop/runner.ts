// Where core cropping's model work runs: in this process (the CLI, tests) or in a child process (the extension
// host, which must never run inference on its own thread). The analysis takes a runner, so both share one code path;
// engine/jobs makes either from its table (inProcessRunner('crop'), childRunner('crop', ...)).
import type { Runner } from '../runner/runner';
import type { ExtractProgress } from '../extract/types';
import type { CropJobRequest, CropJobResult } from './cropJob';

/** The one job core cropping needs: maps (cached), boxes and the crops' pooled features; progress counts a map and a crop per image (cropJobUnits). */
export type CropRunner = Runner<CropJobRequest, CropJobResult, ExtractProgress>;
