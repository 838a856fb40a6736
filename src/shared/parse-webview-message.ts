// The host's gate for webview messages: a webview is an untrusted sender (a compromised page
// or a stale bundle can post anything), so every field is checked before the host acts on it.
// Pure and total: it never throws, whatever it is given.
import type {
  CancelTarget, ExportKind, FeatureLabel, GalleryFilter, HeatChoice, HeatMode, TuningMethod, ReviewMarkKind, SortOrder, SpuriousSubtype, Split, Tab, WebviewToHost,
} from './protocol';

/** Outcome of parseWebviewMessage. */
export type ParseResult = { ok: true; msg: WebviewToHost } | { ok: false; error: string };

// Records typed over the unions make the compiler flag a missing member when a union grows.
const TABS: Record<Tab, true> = { overview: true, class: true, labeling: true, mitigation: true, review: true, crops: true, compare: true };
const ORDERS: Record<SortOrder, true> = { asc: true, desc: true };
const SPLITS: Record<Split, true> = { train: true, val: true };
const HEAT_MODES: Record<HeatMode, true> = { spurious: true, core: true, feature: true };
const LABELS: Record<FeatureLabel, true> = { core: true, spurious: true };
const SUBTYPES: Record<SpuriousSubtype, true> = { background: true, separate_object: true };
const METHODS: Record<TuningMethod, true> = { 'low-spuriosity': true, random: true, error: true };
const EXPORTS: Record<ExportKind, true> = { 'head-json': true, 'head-npy': true, onnx: true };
const MARKS: Record<ReviewMarkKind, true> = { labelError: true, excluded: true };
const CANCELS: Record<CancelTarget, true> = { extraction: true, mitigation: true, crops: true, sensitivity: true, compare: true, suggest: true };
const TYPES: Record<WebviewToHost['type'], true> = {
  ready: true, requestClassPage: true, requestImageDetail: true, requestFeatureCards: true, setLabel: true,
  runMitigation: true, cancel: true, export: true, openImage: true, requestCollisions: true,
  requestReviewQueue: true, showTab: true, requestImageCrop: true, runCropRecheck: true, exportCrops: true,
  requestSensitivity: true, runComparison: true, markImage: true, selectLabelingModel: true, acceptSuggestions: true,
  suggestLabels: true,
};

const MAX_NAME = 1024;
const MAX_ID = 4096;
const MAX_OFFSET = 1e9;
const MAX_COUNT = 500;
const MAX_FEATURE = 1 << 24;

class Invalid extends Error {}

function fail(message: string): never {
  throw new Invalid(message);
}

function has(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** Reads an own field only: a prototype's fields are not part of the message. */
function own(o: Record<string, unknown>, key: string): unknown {
  return has(o, key) ? o[key] : undefined;
}

function oneOf<T extends string>(o: Record<string, unknown>, key: string, allowed: Record<T, true>): T {
  const v = own(o, key);
  if (typeof v !== 'string' || !has(allowed, v)) {
    fail(`field '${key}' must be one of ${Object.keys(allowed).map((k) => `'${k}'`).join(', ')}, got ${describe(v)}`);
  }
  return v as T;
}

function text(o: Record<string, unknown>, key: string, max: number): string {
  const v = own(o, key);
  if (typeof v !== 'string') fail(`field '${key}' must be a string, got ${describe(v)}`);
  if (v.length === 0) fail(`field '${key}' must not be empty`);
  if (v.length > max) fail(`field '${key}' is ${v.length} characters long; at most ${max} are allowed`);
  if (v.includes('\0')) fail(`field '${key}' must not contain NUL characters`);
  return v;
}

/** Image ids are dataset-relative paths with forward slashes; anything escaping the root is refused. */
function imageId(o: Record<string, unknown>, key: string): string {
  const v = text(o, key, MAX_ID);
  if (v.startsWith('/') || /^[a-zA-Z]:/.test(v) || v.includes('\\') || v.split('/').some((s) => s === '..' || s === '')) {
    fail(`field '${key}' must be a relative path inside the dataset (forward slashes, no '..'), got ${describe(v)}`);
  }
  return v;
}

function int(o: Record<string, unknown>, key: string, min: number, max: number): number {
  const v = own(o, key);
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    fail(`field '${key}' must be an integer from ${min} to ${max}, got ${describe(v)}`);
  }
  // -0 is an integer too: give the host 0, so a parsed message means the same after a JSON round trip (which drops the sign)
  return v === 0 ? 0 : v;
}

function bool(o: Record<string, unknown>, key: string): boolean {
  const v = own(o, key);
  if (typeof v !== 'boolean') fail(`field '${key}' must be true or false, got ${describe(v)}`);
  return v;
}

/** A nested object field (absent: undefined); anything else is refused. */
function sub(o: Record<string, unknown>, key: string): Record<string, unknown> | undefined {
  const v = own(o, key);
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`field '${key}' must be an object, got ${describe(v)}`);
  return v as Record<string, unknown>;
}

/** The gallery overlay's choice: a mode, and a feature index exactly when the mode is 'feature'. */
function heatChoice(h: Record<string, unknown>): HeatChoice {
  const mode = oneOf(h, 'mode', HEAT_MODES);
  if (mode === 'feature') return { mode, feature: int(h, 'feature', 0, MAX_FEATURE) };
  if (own(h, 'feature') !== undefined) fail(`field 'feature' is only allowed with mode 'feature', got mode '${mode}'`);
  return { mode };
}

/** The gallery filter: each field optional. */
function galleryFilter(f: Record<string, unknown>): GalleryFilter {
  const out: GalleryFilter = {};
  if (own(f, 'correct') !== undefined) out.correct = bool(f, 'correct');
  if (own(f, 'predicted') !== undefined) out.predicted = text(f, 'predicted', MAX_NAME);
  if (own(f, 'labelError') !== undefined) out.labelError = bool(f, 'labelError');
  return out;
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return Array.isArray(v) ? 'an array' : `a ${typeof v}`;
}

function parse(o: Record<string, unknown>): WebviewToHost {
  const type = oneOf(o, 'type', TYPES);
  switch (type) {
    case 'ready':
    case 'requestCollisions':
    case 'requestReviewQueue':
    case 'runComparison':
    case 'suggestLabels':
      return { type };
    case 'requestClassPage': {
      const msg: WebviewToHost = {
        type, class: text(o, 'class', MAX_NAME), order: oneOf(o, 'order', ORDERS),
        offset: int(o, 'offset', 0, MAX_OFFSET), count: int(o, 'count', 1, MAX_COUNT), overlay: bool(o, 'overlay'),
      };
      if (own(o, 'split') !== undefined) msg.split = oneOf(o, 'split', SPLITS);
      const heat = sub(o, 'heat');
      if (heat) msg.heat = heatChoice(heat);
      const filter = sub(o, 'filter');
      if (filter) msg.filter = galleryFilter(filter);
      return msg;
    }
    case 'requestImageDetail':
    case 'openImage':
    case 'requestImageCrop':
      return { type, id: imageId(o, 'id') };
    case 'requestFeatureCards':
    case 'runCropRecheck':
      return { type, class: text(o, 'class', MAX_NAME) };
    case 'exportCrops':
      return own(o, 'class') === undefined ? { type } : { type, class: text(o, 'class', MAX_NAME) };
    case 'requestSensitivity':
      return { type, class: text(o, 'class', MAX_NAME), feature: int(o, 'feature', 0, MAX_FEATURE) };
    case 'setLabel': {
      const label = own(o, 'label') === null ? null : oneOf(o, 'label', LABELS);
      const msg: WebviewToHost = { type, class: text(o, 'class', MAX_NAME), feature: int(o, 'feature', 0, MAX_FEATURE), label };
      if (own(o, 'subtype') !== undefined) {
        if (label !== 'spurious') fail(`field 'subtype' is only allowed with label 'spurious', got label ${describe(label)}`);
        msg.subtype = oneOf(o, 'subtype', SUBTYPES);
      }
      return msg;
    }
    case 'runMitigation':
      return { type, method: oneOf(o, 'method', METHODS) };
    case 'cancel':
      return { type, target: oneOf(o, 'target', CANCELS) };
    case 'export':
      return { type, kind: oneOf(o, 'kind', EXPORTS) };
    case 'showTab':
      return { type, tab: oneOf(o, 'tab', TABS) };
    case 'selectLabelingModel': {
      const v = own(o, 'model');
      if (v !== null && (typeof v !== 'string' || !/^[0-9a-f]{64}$/.test(v))) fail(`field 'model' must be a model sha256 (64 lowercase hex digits) or null, got ${describe(v)}`);
      return { type, model: v as string | null };
    }
    case 'markImage':
      return { type, id: imageId(o, 'id'), mark: oneOf(o, 'mark', MARKS), on: bool(o, 'on') };
    case 'acceptSuggestions': {
      const msg: WebviewToHost = { type };
      if (own(o, 'class') !== undefined) msg.class = text(o, 'class', MAX_NAME);
      if (own(o, 'feature') !== undefined) {
        if (msg.class === undefined) fail("field 'feature' needs field 'class'");
        msg.feature = int(o, 'feature', 0, MAX_FEATURE);
      }
      return msg;
    }
  }
}

/** Checks an untrusted value from the webview; returns the typed message (unknown fields dropped) or what is wrong. */
export function parseWebviewMessage(x: unknown): ParseResult {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) {
    return { ok: false, error: `webview message must be an object with a 'type' field, got ${describe(x)}` };
  }
  try {
    return { ok: true, msg: parse(x as Record<string, unknown>) };
  } catch (e) {
    // Getters on a hostile object may throw anything; only our own failures carry a useful message.
    const detail = e instanceof Invalid ? e.message : 'fields could not be read';
    const t = (() => { try { return describe((x as Record<string, unknown>).type); } catch { return '?'; } })();
    return { ok: false, error: `invalid webview message (type ${t}): ${detail}` };
  }
}
