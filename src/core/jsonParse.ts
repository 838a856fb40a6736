// A small JSON parser that remembers where every value starts, because Node 20's JSON.parse errors carry no
// position and validation errors should point at the offending line and column.

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** 1-based line and column of an offset in a text. */
export interface LineCol {
  line: number;
  col: number;
}

/** A JSON syntax error at a line and column. */
export class JsonSyntaxError extends Error {
  constructor(message: string, readonly line: number, readonly col: number) {
    super(`${line}:${col}: ${message}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Parsed JSON plus the start offset of every value, keyed by path ('' for the root, '/labels/dog/12' for nested). */
export interface ParsedJson {
  value: Json;
  offsets: Map<string, number>;
  /** Line and column of a path's value (or of the nearest enclosing value that has one). */
  where(path: string): LineCol;
}

/** Line and column (1-based) of a character offset. */
export function lineColAt(text: string, offset: number): LineCol {
  let line = 1;
  let last = -1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) { line++; last = i; }
  return { line, col: offset - last };
}

/** Escapes one key for use in a path (JSON Pointer rules). */
export function pathKey(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

/** Parses strict JSON (duplicate keys are errors), recording value offsets; throws JsonSyntaxError with line:col. */
export function parseJsonWithPositions(text: string): ParsedJson {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const offsets = new Map<string, number>();
  const fail = (msg: string, at = i): never => {
    const { line, col } = lineColAt(text, at);
    throw new JsonSyntaxError(msg, line, col);
  };
  const ws = (): void => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };
  const describe = (): string => (i >= text.length ? 'end of file' : `'${text[i]}'`);
  const str = (): string => {
    const start = i;
    i++;
    let out = '';
    for (;;) {
      if (i >= text.length) fail('unterminated string', start);
      const ch = text[i];
      if (ch === '"') { i++; return out; }
      if (ch === '\\') {
        const e = text[i + 1];
        const map: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e === 'u') {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('bad \\u escape in string');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 6;
        } else if (e !== undefined && map[e] !== undefined) { out += map[e]; i += 2; }
        else fail(`bad escape '\\${e ?? ''}' in string`);
        continue;
      }
      if (ch.charCodeAt(0) < 32) fail('control character in string (escape it)');
      out += ch;
      i++;
    }
  };
  const value = (path: string): Json => {
    ws();
    offsets.set(path, i);
    const ch = text[i];
    if (ch === '{') {
      i++;
      const obj: { [k: string]: Json } = {};
      ws();
      if (text[i] === '}') { i++; return obj; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail(`expected a key in double quotes, found ${describe()}`);
        const keyAt = i;
        const key = str();
        if (Object.prototype.hasOwnProperty.call(obj, key)) fail(`duplicate key "${key}"`, keyAt);
        ws();
        if (text[i] !== ':') fail(`expected ':' after key "${key}", found ${describe()}`);
        i++;
        // defineProperty, not assignment: a key named __proto__ must stay a plain key.
        Object.defineProperty(obj, key, { value: value(`${path}/${pathKey(key)}`), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return obj; }
        fail(`expected ',' or '}' in object, found ${describe()}`);
      }
    }
    if (ch === '[') {
      i++;
      const arr: Json[] = [];
      ws();
      if (text[i] === ']') { i++; return arr; }
      for (;;) {
        arr.push(value(`${path}/${arr.length}`));
        ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return arr; }
        fail(`expected ',' or ']' in array, found ${describe()}`);
      }
    }
    if (ch === '"') return str();
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 64));
    if (m && m[0].length) { i += m[0].length; return Number(m[0]); }
    for (const [lit, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (text.startsWith(lit, i)) { i += lit.length; return v; }
    }
    return fail(`unexpected ${describe()}: expected a JSON value`);
  };
  const v = value('');
  ws();
  if (i < text.length) fail(`unexpected ${describe()} after the JSON value`);
  return {
    value: v,
    offsets,
    where(path: string): LineCol {
      let p = path;
      while (!offsets.has(p) && p.length) p = p.slice(0, Math.max(0, p.lastIndexOf('/')));
      return lineColAt(text, offsets.get(p) ?? 0);
    },
  };
}
