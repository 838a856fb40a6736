import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ModelCardError } from './errors';
import type { ModelCard, Preprocess } from './types';

/** ImageNet channel means (torchvision's), the default normalisation when a card gives none. */
export const IMAGENET_MEAN: [number, number, number] = [0.485, 0.456, 0.406];
/** ImageNet channel standard deviations (torchvision's). */
export const IMAGENET_STD: [number, number, number] = [0.229, 0.224, 0.225];
/** Crop used when neither the card nor the graph input fixes one. */
export const DEFAULT_CROP = 224;

const FIELDS = ['name', 'preprocess', 'labels', 'labelsFile', 'wnids', 'provenance'];
const PRE_FIELDS = ['resize', 'crop', 'mean', 'std'];

/** The card path for a model: `model.onnx` -> `model.card.json`. */
export function cardPathFor(modelPath: string): string {
  return /\.onnx$/i.test(modelPath) ? modelPath.replace(/\.onnx$/i, '.card.json') : `${modelPath}.card.json`;
}

/** torchvision-style preprocessing for a crop size: resize = round(crop / 0.875), ImageNet mean/std. */
export function defaultPreprocess(crop: number): Preprocess {
  return { resize: Math.round(crop / 0.875), crop, mean: [...IMAGENET_MEAN], std: [...IMAGENET_STD] };
}

/** What the graph tells the card reader. */
export interface CardContext {
  classes: number;
  /** Static input size of the graph, or null when dynamic. */
  inputSize: number | null;
}

/** Reads and validates the card next to `modelPath`, filling detected defaults; no card means all defaults. */
export async function readCard(modelPath: string, ctx: CardContext): Promise<{ card: ModelCard; labels: string[]; cardPath: string | null }> {
  const file = cardPathFor(modelPath);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      const crop = ctx.inputSize ?? DEFAULT_CROP;
      return { card: { preprocess: defaultPreprocess(crop) }, labels: defaultLabels(ctx.classes), cardPath: null };
    }
    throw new ModelCardError(file, '', `cannot be read (${(e as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelCardError(file, '', `is not valid JSON (${(e as Error).message})`);
  }
  const { card, labelsFromFile } = validateCard(json, file, ctx);
  const labels = card.labels ?? (labelsFromFile ? await readLabelsFile(file, card.labelsFile ?? '', ctx.classes) : defaultLabels(ctx.classes));
  return { card, labels, cardPath: file };
}

/** Labels class_0 .. class_{C-1}, used when the card names none. */
export function defaultLabels(classes: number): string[] {
  return Array.from({ length: classes }, (_, i) => `class_${i}`);
}

/** Validates parsed card JSON against the graph; returns a card with preprocess complete. Errors name `file` and the field. */
export function validateCard(json: unknown, file: string, ctx: CardContext): { card: ModelCard; labelsFromFile: boolean } {
  const fail = (field: string, msg: string): never => { throw new ModelCardError(file, field, msg); };
  if (!isObject(json)) return fail('', 'must be a JSON object with fields name, preprocess, labels or labelsFile, wnids, provenance');
  for (const k of Object.keys(json)) if (!FIELDS.includes(k)) fail(k, `is not a model card field; valid fields are ${FIELDS.join(', ')}`);
  const card: ModelCard = { preprocess: defaultPreprocess(ctx.inputSize ?? DEFAULT_CROP) };
  for (const k of ['name', 'provenance'] as const) {
    const v = json[k];
    if (v === undefined) continue;
    if (typeof v !== 'string') fail(k, `must be a string; got ${typeName(v)}`);
    card[k] = v as string;
  }
  if (json.preprocess !== undefined) card.preprocess = validatePreprocess(json.preprocess, ctx, fail);
  if (json.labels !== undefined && json.labelsFile !== undefined) fail('labelsFile', 'cannot be given together with "labels"; give one of them');
  if (json.labels !== undefined) card.labels = validateStrings(json.labels, 'labels', ctx.classes, fail);
  if (json.labelsFile !== undefined) {
    if (typeof json.labelsFile !== 'string' || json.labelsFile.trim() === '') fail('labelsFile', 'must be a path (relative to the card) of a text file with one label a line');
    card.labelsFile = json.labelsFile as string;
  }
  if (json.wnids !== undefined) {
    card.wnids = validateStrings(json.wnids, 'wnids', ctx.classes, fail);
    card.wnids.forEach((w, i) => { if (!/^n\d{8}$/.test(w)) fail(`wnids[${i}]`, `is "${w}"; expected a WordNet id like n01440764`); });
  }
  return { card, labelsFromFile: card.labelsFile !== undefined };
}

function validatePreprocess(v: unknown, ctx: CardContext, fail: (field: string, msg: string) => never): Preprocess {
  if (!isObject(v)) return fail('preprocess', `must be an object with ${PRE_FIELDS.join(', ')}; got ${typeName(v)}`);
  for (const k of Object.keys(v)) if (!PRE_FIELDS.includes(k)) fail(`preprocess.${k}`, `is not a preprocess field; valid fields are ${PRE_FIELDS.join(', ')}`);
  const size = (k: 'resize' | 'crop'): number | undefined => {
    const x = v[k];
    if (x === undefined) return undefined;
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 1 || x > 4096) fail(`preprocess.${k}`, `must be a whole number of pixels from 1 to 4096; got ${JSON.stringify(x)}`);
    return x as number;
  };
  const crop = size('crop') ?? ctx.inputSize ?? DEFAULT_CROP;
  if (ctx.inputSize !== null && crop !== ctx.inputSize) fail('preprocess.crop', `is ${crop} but the model's input is ${ctx.inputSize} x ${ctx.inputSize}; set crop to ${ctx.inputSize}`);
  const resize = size('resize') ?? Math.round(crop / 0.875);
  if (resize < crop) fail('preprocess.resize', `is ${resize}, smaller than crop ${crop}; the shorter side must be resized to at least the crop`);
  const triple = (k: 'mean' | 'std', fallback: [number, number, number]): [number, number, number] => {
    const x = v[k];
    if (x === undefined) return [...fallback];
    if (!Array.isArray(x) || x.length !== 3 || !x.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      fail(`preprocess.${k}`, `must be three numbers (R, G, B) for pixels scaled to [0, 1]; got ${JSON.stringify(x)}`);
    }
    const t = x as [number, number, number];
    if (k === 'std' && t.some((n) => n <= 0)) fail('preprocess.std', `must be positive (it divides); got ${JSON.stringify(t)}`);
    if (t.some((n) => Math.abs(n) > 2)) fail(`preprocess.${k}`, `${JSON.stringify(t)} looks like 0-255 pixel units; give values for pixels scaled to [0, 1] (e.g. [0.485, 0.456, 0.406])`);
    return [t[0], t[1], t[2]];
  };
  return { resize, crop, mean: triple('mean', IMAGENET_MEAN), std: triple('std', IMAGENET_STD) };
}

function validateStrings(v: unknown, field: string, classes: number, fail: (field: string, msg: string) => never): string[] {
  if (!Array.isArray(v)) return fail(field, `must be an array of ${classes} strings (one per logit); got ${typeName(v)}`);
  v.forEach((s, i) => { if (typeof s !== 'string' || s.trim() === '') fail(`${field}[${i}]`, `must be a non-empty string; got ${JSON.stringify(s)}`); });
  if (v.length !== classes) fail(field, `has ${v.length} entries but the model has ${classes} classes (logits)`);
  return (v as string[]).map((s) => s.trim());
}

/** Reads a labels file (one label a line, relative to the card); its line count must match the class count. */
async function readLabelsFile(cardFile: string, rel: string, classes: number): Promise<string[]> {
  const path = isAbsolute(rel) ? rel : resolve(dirname(cardFile), rel);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new ModelCardError(cardFile, 'labelsFile', `names ${path}, which cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/).map((l) => l.trim());
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const blank = lines.indexOf('');
  if (blank >= 0) throw new ModelCardError(cardFile, 'labelsFile', `${path} line ${blank + 1} is empty; expected one label a line`);
  if (lines.length !== classes) throw new ModelCardError(cardFile, 'labelsFile', `${path} has ${lines.length} labels but the model has ${classes} classes (logits)`);
  return lines;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v;
}
