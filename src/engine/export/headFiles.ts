import type { LinearHead } from '../../core/types';
import { parseTuningMethod, type TuningMethod } from '../../core/vocabulary';
import { writeAtomic } from '../fs/writeAtomic';

/** A linear head exported as JSON (Export Head as JSON, `tune --out`): logits = weight · features + bias. */
export interface HeadJsonDocument {
  format: 'spuriosity-lens/head@1';
  /** Rows of weight: one per class, in the order of labels. */
  classes: number;
  /** Length of each weight row: the pooled feature size. */
  dim: number;
  labels: string[];
  /** The tuning method that made the head; absent for a head exported without tuning. Older versions' CLI wrote "low". */
  method?: TuningMethod;
  /** classes rows of dim numbers. */
  weight: number[][];
  /** One number per class. */
  bias: number[];
}

/** The head as JSON (HeadJsonDocument). */
export function headJson(head: LinearHead, labels: string[], extra: { method?: TuningMethod } = {}): string {
  const weight = Array.from({ length: head.classes }, (_, c) => Array.from(head.weight.subarray(c * head.dim, (c + 1) * head.dim)));
  const doc: HeadJsonDocument = { format: 'spuriosity-lens/head@1', classes: head.classes, dim: head.dim, labels, ...extra, weight, bias: Array.from(head.bias) };
  return `${JSON.stringify(doc)}\n`;
}

/** A head JSON file read back: the head, its class labels, and the tuning method that made it (null when it names none). */
export interface HeadFile {
  head: LinearHead;
  labels: string[];
  method: TuningMethod | null;
}

/**
 * Reads what headJson wrote, by this version or an older one (whose CLI wrote `method: "low"`, read as
 * 'low-spuriosity'). Throws naming the file and the field when it is not a head.
 */
export function parseHeadJson(text: string, file: string): HeadFile {
  let j: { classes?: unknown; dim?: unknown; labels?: unknown; weight?: unknown; bias?: unknown; method?: unknown };
  try {
    j = JSON.parse(text) as typeof j;
  } catch (e) {
    throw new Error(`${file}: not JSON (${(e as Error).message})`);
  }
  const { classes, dim, labels, weight, bias } = j;
  if (!Number.isInteger(classes) || !Number.isInteger(dim)) throw new Error(`${file}: classes and dim must be integers`);
  const c = classes as number;
  const d = dim as number;
  if (!Array.isArray(weight) || weight.length !== c || weight.some((r) => !Array.isArray(r) || r.length !== d)) throw new Error(`${file}: weight must be ${c} rows of ${d} numbers`);
  if (!Array.isArray(bias) || bias.length !== c) throw new Error(`${file}: bias must have ${c} numbers`);
  if (!Array.isArray(labels) || labels.length !== c || labels.some((l) => typeof l !== 'string')) throw new Error(`${file}: labels must be ${c} strings`);
  return {
    head: { classes: c, dim: d, weight: Float32Array.from((weight as number[][]).flat()), bias: Float32Array.from(bias as number[]) },
    labels: labels as string[],
    method: parseTuningMethod(j.method),
  };
}

/** A NumPy .npy (format 1.0) of a float32 C-order array. */
export function npy(data: Float32Array, shape: number[]): Uint8Array {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // magic (6) + version (2) + length (2) + header must be a multiple of 64, header ends with a newline
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = `${header}${' '.repeat(pad % 64)}\n`;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  out[8] = header.length & 0xff;
  out[9] = header.length >> 8;
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Writes the head as `<base>.weight.npy` (classes x dim) and `<base>.bias.npy`; returns the two paths. */
export async function writeHeadNpy(head: LinearHead, basePath: string): Promise<[string, string]> {
  const base = basePath.replace(/\.npy$/i, '');
  const w = `${base}.weight.npy`;
  const b = `${base}.bias.npy`;
  await writeAtomic(w, npy(head.weight, [head.classes, head.dim]));
  await writeAtomic(b, npy(head.bias, [head.classes]));
  return [w, b];
}
