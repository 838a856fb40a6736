// Child-process entry, bundled to dist/jobWorker.js: serves one job of the table (jobs/table.ts). Jobs run in a
// separate process, not a worker thread, because a native crash (libvips on a hostile file, ONNX Runtime, an
// out-of-memory abort) kills the whole process it happens in: in a child it kills only the child, and the
// extension host turns that into an error message instead of dying with it.
import { serveJobs } from './serve';
import { hostDecodeThreads } from '../extract/decodeThreads';

// This file is also the script of the extraction's decode threads: they only serve decodes.
if (!hostDecodeThreads()) serveJobs();
