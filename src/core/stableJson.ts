/** Key order for stable output: integer-like keys numerically first (as JS objects order them), then the rest by code unit. */
export function compareKeys(a: string, b: string): number {
  const ia = /^(0|[1-9]\d*)$/.test(a);
  const ib = /^(0|[1-9]\d*)$/.test(b);
  if (ia && ib) return Number(a) - Number(b) || (a < b ? -1 : a > b ? 1 : 0);
  if (ia !== ib) return ia ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** JSON with sorted keys, 2-space indentation and a trailing newline, so re-saving an unchanged document changes nothing. */
export function stableStringify(value: unknown): string {
  const out = (v: unknown, indent: string): string => {
    if (v === null || typeof v !== 'object') {
      const s = JSON.stringify(v);
      if (s === undefined) throw new TypeError(`cannot serialise a value of type ${typeof v}`);
      return s;
    }
    const inner = indent + '  ';
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      return `[\n${v.map((x) => inner + out(x, inner)).join(',\n')}\n${indent}]`;
    }
    const keys = Object.keys(v).filter((k) => (v as Record<string, unknown>)[k] !== undefined).sort(compareKeys);
    if (keys.length === 0) return '{}';
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${out((v as Record<string, unknown>)[k], inner)}`).join(',\n')}\n${indent}}`;
  };
  return out(value, '') + '\n';
}
