import { JsonSyntaxError, parseJsonWithPositions, pathKey, type Json, type ParsedJson } from './jsonParse';
import { stableStringify } from './stableJson';

import { parseSpuriousSubtype, type FeatureLabel, type SpuriousSubtype } from './vocabulary';

export type { FeatureLabel, SpuriousSubtype };

/** Where a machine-made label came from: an accepted mask suggestion (absent on a person's label). */
export interface LabelOrigin {
  by: 'mask-suggestion';
  /** The masks' source: a folder, or a segmentation model's file name. */
  source: string;
  /** The pair's mean share of NAM mass on the object when it was accepted. */
  score: number;
}

/** One labeled (class, feature) pair. */
export interface FeatureAnnotation {
  label: FeatureLabel;
  /** Only for spurious features. */
  subtype?: SpuriousSubtype;
  note?: string;
  /** Set when the label is an accepted machine suggestion; absent when a person gave it. */
  origin?: LabelOrigin;
  /** When it was labeled, an ISO 8601 timestamp. */
  at: string;
}

/** The annotation file: labels per class name, then per feature index (as a decimal string). */
export interface AnnotationFile {
  version: 1;
  model: { sha256: string; name: string };
  dataset: string;
  labels: { [cls: string]: { [feature: string]: FeatureAnnotation } };
}

/** A malformed annotation file: names the file, the line and column, and the field. */
export class AnnotationError extends Error {
  constructor(readonly file: string, readonly line: number, readonly col: number, readonly field: string, detail: string) {
    super(`${file}:${line}:${col}: ${field ? `${field}: ` : ''}${detail}`);
    this.name = 'AnnotationError';
  }
}

/** A new, empty annotation file. */
export function emptyAnnotations(model: { sha256: string; name: string }, dataset: string): AnnotationFile {
  return { version: 1, model: { ...model }, dataset, labels: {} };
}

const isObj = (v: Json | undefined): v is { [k: string]: Json } => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses and validates an annotation file's text; every problem is an AnnotationError naming file:line:col and field. */
export function parseAnnotations(text: string, file = 'annotations.json'): AnnotationFile {
  let parsed: ParsedJson;
  try {
    parsed = parseJsonWithPositions(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new AnnotationError(file, e.line, e.col, '', `not valid JSON: ${e.message.replace(/^\d+:\d+: /, '')}`);
    throw e;
  }
  const bad = (path: string, detail: string): never => {
    const { line, col } = parsed.where(path);
    const field = path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~')).join('.');
    throw new AnnotationError(file, line, col, field, detail);
  };
  const onlyKeys = (o: { [k: string]: Json }, path: string, allowed: string[]): void => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(`${path}/${pathKey(k)}`, `unknown field; valid fields here are ${allowed.join(', ')}`);
  };
  const str = (o: { [k: string]: Json }, key: string, path: string, test?: (s: string) => string | null): string => {
    const v = o[key];
    if (v === undefined) bad(path, `missing field "${key}"`);
    if (typeof v !== 'string') bad(`${path}/${key}`, `must be a string, got ${JSON.stringify(v)}`);
    const problem = test?.(v as string);
    if (problem) bad(`${path}/${key}`, problem);
    return v as string;
  };
  const root = parsed.value;
  if (!isObj(root)) return bad('', 'the file must hold a JSON object');
  onlyKeys(root, '', ['version', 'model', 'dataset', 'labels']);
  if (root.version !== 1) bad(root.version === undefined ? '' : '/version', `version must be 1, got ${JSON.stringify(root.version ?? null)}`);
  if (!isObj(root.model)) return bad(root.model === undefined ? '' : '/model', 'model must be an object { sha256, name }');
  onlyKeys(root.model, '/model', ['sha256', 'name']);
  const sha256 = str(root.model, 'sha256', '/model', (s) => (/^[0-9a-f]{64}$/.test(s) ? null : 'must be 64 lowercase hex digits'));
  const name = str(root.model, 'name', '/model');
  const dataset = str(root, 'dataset', '');
  if (!isObj(root.labels)) return bad(root.labels === undefined ? '' : '/labels', 'labels must be an object: class name -> feature index -> label');
  const labels: AnnotationFile['labels'] = {};
  for (const [cls, feats] of Object.entries(root.labels)) {
    const cp = `/labels/${pathKey(cls)}`;
    if (!isObj(feats)) bad(cp, 'must be an object: feature index -> label');
    const out: { [f: string]: FeatureAnnotation } = {};
    for (const [f, a] of Object.entries(feats as { [k: string]: Json })) {
      const fp = `${cp}/${pathKey(f)}`;
      if (!/^(0|[1-9]\d*)$/.test(f)) bad(fp, `feature keys must be non-negative integers without leading zeros, got "${f}"`);
      if (!isObj(a)) return bad(fp, 'must be an object { label, subtype?, note?, origin?, at }');
      onlyKeys(a, fp, ['label', 'subtype', 'note', 'origin', 'at']);
      const label = str(a, 'label', fp, (s) => (s === 'core' || s === 'spurious' ? null : `must be "core" or "spurious", got "${s}"`)) as FeatureLabel;
      const ann: FeatureAnnotation = { label, at: '' };
      if (a.subtype !== undefined) {
        // the panel's old spelling 'separate-object' reads as the files' separate_object
        ann.subtype = parseSpuriousSubtype(str(a, 'subtype', fp, (s) => (parseSpuriousSubtype(s) ? null : `must be "background" or "separate_object", got "${s}"`)))!;
        if (label !== 'spurious') bad(`${fp}/subtype`, 'a subtype is only valid for a spurious feature');
      }
      if (a.note !== undefined) ann.note = str(a, 'note', fp);
      if (a.origin !== undefined) {
        const o = a.origin;
        const op = `${fp}/origin`;
        if (!isObj(o)) return bad(op, 'must be an object { by, source, score }');
        onlyKeys(o, op, ['by', 'source', 'score']);
        str(o, 'by', op, (s) => (s === 'mask-suggestion' ? null : `must be "mask-suggestion", got "${s}"`));
        const source = str(o, 'source', op);
        if (typeof o.score !== 'number' || !(o.score >= 0 && o.score <= 1)) bad(o.score === undefined ? op : `${op}/score`, `score must be a number in [0, 1], got ${JSON.stringify(o.score ?? null)}`);
        ann.origin = { by: 'mask-suggestion', source, score: o.score as number };
      }
      ann.at = str(a, 'at', fp, (s) => (/^\d{4}-\d{2}-\d{2}T/.test(s) && !Number.isNaN(Date.parse(s)) ? null : `must be an ISO 8601 timestamp, got "${s}"`));
      Object.defineProperty(out, f, { value: ann, enumerable: true, writable: true, configurable: true });
    }
    Object.defineProperty(labels, cls, { value: out, enumerable: true, writable: true, configurable: true });
  }
  return { version: 1, model: { sha256, name }, dataset, labels };
}

/** Stable text of an annotation file: sorted keys, 2-space indentation, trailing newline. */
export function serializeAnnotations(file: AnnotationFile): string {
  return stableStringify(file);
}

/** A copy of the file with one (class, feature) label set, or removed when `annotation` is null. */
export function setFeatureLabel(file: AnnotationFile, cls: string, feature: number, annotation: FeatureAnnotation | null): AnnotationFile {
  if (!Number.isInteger(feature) || feature < 0) throw new RangeError(`feature must be a non-negative integer, got ${feature}`);
  if (annotation?.subtype && annotation.label !== 'spurious') throw new RangeError('a subtype is only valid for a spurious feature');
  const labels: AnnotationFile['labels'] = { ...file.labels };
  const forClass = { ...(labels[cls] ?? {}) };
  if (annotation) forClass[String(feature)] = { ...annotation };
  else delete forClass[String(feature)];
  if (Object.keys(forClass).length) labels[cls] = forClass;
  else delete labels[cls];
  return { ...file, labels };
}

/** Spurious and core feature lists per class index, for the dataset's class names; labels of unknown classes are listed. */
export function featureSets(file: AnnotationFile, classNames: string[]): { spurious: number[][]; core: number[][]; unknownClasses: string[] } {
  const byName = new Map(classNames.map((n, i) => [n, i]));
  const spurious: number[][] = classNames.map(() => []);
  const core: number[][] = classNames.map(() => []);
  const unknownClasses: string[] = [];
  for (const [cls, feats] of Object.entries(file.labels)) {
    const c = byName.get(cls);
    if (c === undefined) { unknownClasses.push(cls); continue; }
    for (const [f, a] of Object.entries(feats)) (a.label === 'spurious' ? spurious : core)[c].push(Number(f));
  }
  for (const l of [...spurious, ...core]) l.sort((a, b) => a - b);
  return { spurious, core, unknownClasses };
}
