// Manifest files: a CSV with header `path,label[,split]` or JSONL with {"path","label","split"?}.
// Rows are validated here; whether the files exist is discover.ts's concern.
import { readCsv } from '../../core/csv';
import { parseJsonl } from './jsonl';
import { VALIDATION_NAMES } from './split';

/** One valid manifest row; `split` is 'train', a validation name ('val' | 'validation' | 'test') or null (use the hash split). */
export interface ManifestRow {
  line: number;
  path: string;
  label: string;
  split: string | null;
}

/** A manifest row that was rejected, with its line and what was wrong. */
export interface BadManifestRow {
  line: number;
  problem: string;
}

/** Thrown when a manifest as a whole is unusable (no header, wrong columns): names the file and the expected format. */
export class ManifestError extends Error {
  override readonly name = 'ManifestError';
}

const SPLITS: ReadonlySet<string> = new Set(['train', ...VALIDATION_NAMES]);

function normaliseSplit(raw: string): { split: string | null } | { problem: string } {
  const v = raw.trim().toLowerCase();
  if (v === '') return { split: null };
  if (SPLITS.has(v)) return { split: v };
  return { problem: `unknown split '${raw}' (valid: train, val, validation, test, or empty for the hash split)` };
}

function checkRow(line: number, path: unknown, label: unknown, split: unknown): ManifestRow | BadManifestRow {
  if (typeof path !== 'string' || path.trim() === '') return { line, problem: 'missing or empty path' };
  if (typeof label === 'number' && Number.isFinite(label)) label = String(label);
  if (typeof label !== 'string' || label.trim() === '') return { line, problem: 'missing or empty label' };
  if (path.includes('\0')) return { line, problem: 'path contains a NUL character' };
  let s: string | null = null;
  if (split !== undefined && split !== null) {
    if (typeof split !== 'string') return { line, problem: `split must be a string, got ${typeof split}` };
    const r = normaliseSplit(split);
    if ('problem' in r) return { line, problem: r.problem };
    s = r.split;
  }
  return { line, path: path.trim(), label: label.trim(), split: s };
}

/** Parses a CSV manifest (header row naming `path` and `label`, optionally `split`, any order, case-insensitive). */
export function parseCsvManifest(text: string, file: string): { rows: ManifestRow[]; bad: BadManifestRow[] } {
  const records = readCsv(text);
  const header = records[0];
  const cols = header ? header.fields.map((f) => f.trim().toLowerCase()) : [];
  const pathCol = cols.indexOf('path');
  const labelCol = cols.indexOf('label');
  const splitCol = cols.indexOf('split');
  if (!header || header.error || pathCol < 0 || labelCol < 0) {
    throw new ManifestError(`${file}: the first line must be a CSV header naming the columns path,label[,split]; got ${header ? JSON.stringify(header.fields.join(',')).slice(0, 120) : 'an empty file'}`);
  }
  const rows: ManifestRow[] = [];
  const bad: BadManifestRow[] = [];
  for (const rec of records.slice(1)) {
    if (rec.error) { bad.push({ line: rec.line, problem: `malformed CSV: ${rec.error}` }); continue; }
    if (rec.fields.length !== cols.length) {
      bad.push({ line: rec.line, problem: `has ${rec.fields.length} fields, the header has ${cols.length}` });
      continue;
    }
    const r = checkRow(rec.line, rec.fields[pathCol], rec.fields[labelCol], splitCol >= 0 ? rec.fields[splitCol] : undefined);
    if ('problem' in r) bad.push(r);
    else rows.push(r);
  }
  return { rows, bad };
}

/** Parses a JSONL manifest: one object a line with string `path`, string (or number) `label`, optional `split`. */
export function parseJsonlManifest(text: string): { rows: ManifestRow[]; bad: BadManifestRow[] } {
  const rows: ManifestRow[] = [];
  const bad: BadManifestRow[] = [];
  for (const rec of parseJsonl(text)) {
    if ('error' in rec) { bad.push({ line: rec.line, problem: rec.error }); continue; }
    const v = rec.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      bad.push({ line: rec.line, problem: 'expected an object like {"path": "...", "label": "...", "split": "train"}' });
      continue;
    }
    const o = v as Record<string, unknown>;
    const r = checkRow(rec.line, o.path, o.label, o.split);
    if ('problem' in r) bad.push(r);
    else rows.push(r);
  }
  return { rows, bad };
}
