// The review file: what a person decided about single images while reviewing (a wrong label, or "leave this image
// out of the analysis"). Kept beside the annotations as plain, stable JSON so it can be read, diffed and committed.
import { JsonSyntaxError, parseJsonWithPositions, pathKey, type Json, type ParsedJson } from '../../core/jsonParse';
import { stableStringify } from '../../core/stableJson';

/** Version of the review file's layout; a file of another version is refused, not guessed at. */
export const REVIEW_VERSION = 1;

/** What was decided about one image; an image with neither flag has no entry. */
export interface ReviewMark {
  /** The image's class label looks wrong (shown in the gallery; the image stays in the analysis). */
  labelError?: true;
  /** Left out of rankings, gaps and tuning sets. */
  excluded?: true;
  note?: string;
  /** When it was last changed, an ISO 8601 timestamp. */
  at: string;
}

/** The review file: marks per image id (the image's path relative to the dataset root, forward slashes). */
export interface ReviewFile {
  version: typeof REVIEW_VERSION;
  dataset: string;
  images: { [id: string]: ReviewMark };
}

/** A malformed review file: names the file, the line and column, and the field. */
export class ReviewFileError extends Error {
  constructor(readonly file: string, readonly line: number, readonly col: number, readonly field: string, detail: string) {
    super(`${file}:${line}:${col}: ${field ? `${field}: ` : ''}${detail}`);
    this.name = 'ReviewFileError';
  }
}

/** A new, empty review file. */
export function emptyReview(dataset: string): ReviewFile {
  return { version: REVIEW_VERSION, dataset, images: {} };
}

/** Why a string is not an image id, or null when it is one (relative, forward slashes, nothing escaping the root). */
export function imageIdProblem(id: string): string | null {
  if (id.length === 0) return 'an image id must not be empty';
  if (id.startsWith('/') || /^[a-zA-Z]:/.test(id) || id.includes('\\') || id.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    return `an image id is a path relative to the dataset root with forward slashes and no '.', '..' or empty parts, got "${id}"`;
  }
  return null;
}

const isObj = (v: Json | undefined): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates a review file's text; every problem is a ReviewFileError naming file:line:col and the field. */
export function parseReview(text: string, file = 'review.json'): ReviewFile {
  let parsed: ParsedJson;
  try {
    parsed = parseJsonWithPositions(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new ReviewFileError(file, e.line, e.col, '', `not valid JSON: ${e.message.replace(/^\d+:\d+: /, '')}`);
    throw e;
  }
  const bad = (path: string, detail: string): never => {
    const { line, col } = parsed.where(path);
    const field = path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
    throw new ReviewFileError(file, line, col, field, detail);
  };
  const onlyKeys = (o: { [k: string]: Json }, path: string, allowed: string[]): void => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${path}/${pathKey(k)}`, `unknown field; valid fields here are ${allowed.join(', ')}`);
  };
  const root = parsed.value;
  if (!isObj(root)) return bad('', 'the file must hold a JSON object { version, dataset, images }');
  onlyKeys(root, '', ['version', 'dataset', 'images']);
  if (root.version !== REVIEW_VERSION) bad(root.version === undefined ? '' : '/version', `version must be ${REVIEW_VERSION}, got ${JSON.stringify(root.version ?? null)}`);
  if (typeof root.dataset !== 'string') bad(root.dataset === undefined ? '' : '/dataset', `dataset must be a string (the dataset root), got ${JSON.stringify(root.dataset ?? null)}`);
  if (!isObj(root.images)) return bad(root.images === undefined ? '' : '/images', 'images must be an object: image id -> { labelError?, excluded?, note?, at }');
  const images: ReviewFile['images'] = {};
  for (const [id, m] of Object.entries(root.images)) {
    const p = `/images/${pathKey(id)}`;
    const idProblem = imageIdProblem(id);
    if (idProblem) bad(p, idProblem);
    if (!isObj(m)) return bad(p, 'must be an object { labelError?, excluded?, note?, at }');
    onlyKeys(m, p, ['labelError', 'excluded', 'note', 'at']);
    const mark: ReviewMark = { at: '' };
    for (const flag of ['labelError', 'excluded'] as const) {
      if (m[flag] === undefined) continue;
      if (typeof m[flag] !== 'boolean') bad(`${p}/${flag}`, `must be true or false, got ${JSON.stringify(m[flag])}`);
      if (m[flag] === true) mark[flag] = true;
    }
    if (m.note !== undefined) {
      if (typeof m.note !== 'string') bad(`${p}/note`, `must be a string, got ${JSON.stringify(m.note)}`);
      mark.note = m.note as string;
    }
    const at = m.at;
    if (typeof at !== 'string' || !/^\d{4}-\d{2}-\d{2}T/.test(at) || Number.isNaN(Date.parse(at))) {
      bad(at === undefined ? p : `${p}/at`, at === undefined ? 'missing field "at"' : `must be an ISO 8601 timestamp, got ${JSON.stringify(at)}`);
    }
    mark.at = at as string;
    if (!mark.labelError && !mark.excluded) continue; // both false: nothing marked (a hand edit's way to unmark)
    // defineProperty, not assignment: an id named __proto__ must stay a plain key
    Object.defineProperty(images, id, { value: mark, enumerable: true, writable: true, configurable: true });
  }
  return { version: REVIEW_VERSION, dataset: root.dataset as string, images };
}

/** Stable text of a review file: sorted keys, 2-space indentation, trailing newline (re-saving changes nothing). */
export function serializeReview(file: ReviewFile): string {
  return stableStringify(file);
}

/** Which flags to change on an image: true sets, false clears, absent leaves as is. */
export interface ReviewChange {
  labelError?: boolean;
  excluded?: boolean;
}

/** A copy of the file with one image's flags changed; the entry goes when no flag is left. */
export function applyReviewChange(file: ReviewFile, id: string, change: ReviewChange, at: string): ReviewFile {
  const problem = imageIdProblem(id);
  if (problem) throw new RangeError(problem);
  const old = Object.prototype.hasOwnProperty.call(file.images, id) ? file.images[id] : undefined;
  const labelError = change.labelError ?? old?.labelError === true;
  const excluded = change.excluded ?? old?.excluded === true;
  const images: ReviewFile['images'] = {};
  for (const [k, v] of Object.entries(file.images)) if (k !== id) Object.defineProperty(images, k, { value: v, enumerable: true, writable: true, configurable: true });
  if (labelError || excluded) {
    const mark: ReviewMark = { at };
    if (labelError) mark.labelError = true;
    if (excluded) mark.excluded = true;
    if (old?.note !== undefined) mark.note = old.note;
    Object.defineProperty(images, id, { value: mark, enumerable: true, writable: true, configurable: true });
  }
  return { ...file, images };
}
