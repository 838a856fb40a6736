// Where exported crops go, and the rules that keep an export from harming the user's files: never inside the
// dataset (crops there would become dataset images on the next run), never over a file an earlier export did not
// write. The folder's crop-manifest.json records what earlier exports wrote, and is written before the first crop
// (listing the files the export may write) so that a cancelled or crashed export leaves no file it cannot account for.
import { promises as fsp } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { isInsideFolder } from '../fs/insideFolder';
import { writeAtomic } from '../fs/writeAtomic';
import type { CropManifest, CropManifestEntry } from './types';

/** File name of the manifest inside the export folder. */
export const MANIFEST_NAME = 'crop-manifest.json';

/** Refused export destinations (inside the dataset, or over files we did not write). */
export class CropExportError extends Error {
  override name = 'CropExportError';
}

/** Where each image's crop will be written, plus what earlier exports left in the folder. */
export interface ExportPlan {
  dir: string;
  manifestPath: string;
  /** Absolute destination per image id; empty for a manifest-only export. */
  dest: Map<string, string>;
  /** The earlier manifest's rows (kept for images this export does not write again). */
  previous: CropManifestEntry[];
  /** Crop files (relative to dir) an earlier export started and did not finish: ours to replace. */
  pending: string[];
  /** Whether the folder had a manifest before this export. */
  hadManifest: boolean;
}

/** The crop's path relative to the export folder: the image's own relative path (a cropped copy of the dataset's layout); JPEG stays JPEG, PNG stays PNG, other formats get `.png` appended. */
export function cropFileName(rel: string): string {
  const ext = extname(rel).toLowerCase();
  return ext === '.jpg' || ext === '.jpeg' || ext === '.png' ? rel : `${rel}.png`;
}

/** The real path of p, or of its nearest existing ancestor joined with the rest (p may not exist yet). */
async function realish(p: string): Promise<string> {
  try {
    return await fsp.realpath(p);
  } catch {
    const parent = dirname(p);
    return parent === p ? p : join(await realish(parent), p.slice(parent.length + (parent.endsWith(sep) ? 0 : 1)));
  }
}

async function exists(p: string): Promise<boolean> {
  return fsp.lstat(p).then(() => true, () => false);
}

/** Reads an earlier manifest; null when there is none; throws when a file of that name is not ours. */
async function readManifest(path: string): Promise<CropManifest | null> {
  let text: string;
  try {
    text = await fsp.readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const m = JSON.parse(text) as CropManifest;
    if (m.schema === 'spuriosity-lens/crop-manifest@1' && Array.isArray(m.crops)) {
      return { ...m, pending: Array.isArray(m.pending) ? m.pending.filter((f): f is string => typeof f === 'string') : undefined };
    }
  } catch { /* not JSON: fall through */ }
  throw new CropExportError(`${path} exists and is not a crop manifest written by spuriosity; choose another export folder`);
}

/**
 * Checks the export folder and plans each crop's destination. Refuses a folder inside the dataset root, and any
 * destination that exists without being listed by an earlier export's manifest in the same folder.
 */
export async function planExport(dir: string, datasetRoot: string, rels: string[], manifestOnly: boolean): Promise<ExportPlan> {
  const abs = resolve(dir);
  const [realDir, realRoot] = await Promise.all([realish(abs), realish(resolve(datasetRoot))]);
  if (isInsideFolder(realDir, realRoot)) {
    throw new CropExportError(`the export folder ${abs} is inside the dataset folder ${datasetRoot}: crops there would be read as dataset images on the next run; choose a folder outside it`);
  }
  const stat = await fsp.stat(abs).catch(() => null);
  if (stat && !stat.isDirectory()) throw new CropExportError(`the export destination ${abs} is a file: it must be a folder (created when missing)`);
  const manifestPath = join(abs, MANIFEST_NAME);
  const earlier = await readManifest(manifestPath);
  const previous = earlier?.crops ?? [];
  const pending = earlier?.pending ?? [];
  const ours = new Set([...previous.flatMap((e) => (e.file ? [e.file] : [])), ...pending].map((f) => resolve(abs, f)));
  const dest = new Map<string, string>();
  if (!manifestOnly) {
    const conflicts: string[] = [];
    for (const rel of rels) {
      const target = resolve(abs, cropFileName(rel));
      if (!isInsideFolder(target, abs)) throw new CropExportError(`image id ${rel} would be written outside ${abs}`);
      if (!ours.has(target) && (await exists(target))) conflicts.push(target);
      dest.set(rel, target);
    }
    if (conflicts.length) {
      throw new CropExportError(`${abs} already holds ${conflicts.length} file(s) this export would overwrite and no earlier crop export wrote ` +
        `(first: ${conflicts[0]}); choose an empty folder or move them`);
    }
  }
  return { dir: abs, manifestPath, dest, previous, pending, hadManifest: earlier !== null };
}

/** A path relative to the export folder, with '/' separators as the manifest stores it. */
const relativeTo = (plan: ExportPlan, file: string): string => relative(plan.dir, file).split(sep).join('/');

/**
 * Marks the export as begun before any crop is written: the manifest keeps the earlier rows and lists, as `pending`,
 * every file this export may write. A cancelled or crashed export then leaves files the next export knows are ours
 * (it may replace them) instead of files no manifest mentions (which it would refuse to overwrite).
 */
export async function beginExport(plan: ExportPlan, header: Omit<CropManifest, 'schema' | 'crops'>): Promise<void> {
  if (!plan.dest.size) return;
  const pending = [...new Set([...plan.pending, ...[...plan.dest.values()].map((f) => relativeTo(plan, f))])].sort();
  const manifest: CropManifest = { schema: 'spuriosity-lens/crop-manifest@1', ...header, crops: plan.previous, pending };
  await writeAtomic(plan.manifestPath, `${JSON.stringify(manifest, null, 1)}\n`);
}

/** Writes the manifest with `rows` as this run's; files no row lists that an unfinished export may have written stay `pending` while they exist. */
async function settleManifest(plan: ExportPlan, header: Omit<CropManifest, 'schema' | 'crops'>, rows: CropManifestEntry[], finished: boolean): Promise<void> {
  const now = new Set(rows.map((r) => r.image));
  const crops = [...plan.previous.filter((r) => !now.has(r.image)), ...rows].sort((a, b) => (a.image < b.image ? -1 : a.image > b.image ? 1 : 0));
  const listed = new Set(crops.flatMap((r) => (r.file ? [r.file] : [])));
  const candidates = [...new Set([...plan.pending, ...[...plan.dest.values()].map((f) => relativeTo(plan, f))])].filter((f) => !listed.has(f));
  const pending = (await Promise.all(candidates.map(async (f) => ((await exists(resolve(plan.dir, f))) ? [f] : [])))).flat().sort();
  if (!finished && !plan.hadManifest && !crops.length && !pending.length) {
    // an export that wrote nothing leaves the folder as it found it
    await fsp.rm(plan.manifestPath, { force: true });
    return;
  }
  const manifest: CropManifest = { schema: 'spuriosity-lens/crop-manifest@1', ...header, crops, ...(pending.length ? { pending } : {}) };
  await writeAtomic(plan.manifestPath, `${JSON.stringify(manifest, null, 1)}\n`);
}

/** Writes the final manifest: this run's rows plus the earlier rows for images this run did not export again. */
export function writeManifest(plan: ExportPlan, header: Omit<CropManifest, 'schema' | 'crops'>, rows: CropManifestEntry[]): Promise<void> {
  return settleManifest(plan, header, rows, true);
}

/** After a cancelled or failed export: the earlier rows, and the crop files it did write listed as `pending` (a later export may replace them). */
export function abandonExport(plan: ExportPlan, header: Omit<CropManifest, 'schema' | 'crops'>): Promise<void> {
  return settleManifest(plan, header, [], false);
}
