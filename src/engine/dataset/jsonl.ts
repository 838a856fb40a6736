// JSON Lines: one JSON value per line; blank lines are allowed and ignored.

/** One non-blank JSONL line: its 1-based line number and either the parsed value or why it failed. */
export type JsonlRecord = { line: number; value: unknown } | { line: number; error: string };

/** Parses JSON Lines text; never throws, a line that is not valid JSON carries `error`. */
export function parseJsonl(text: string): JsonlRecord[] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const out: JsonlRecord[] = [];
  const lines = s.split(/\r?\n/);
  for (let k = 0; k < lines.length; k++) {
    const raw = lines[k];
    if (raw.trim() === '') continue;
    try {
      out.push({ line: k + 1, value: JSON.parse(raw) as unknown });
    } catch (e) {
      out.push({ line: k + 1, error: `not valid JSON (${(e as Error).message})` });
    }
  }
  return out;
}
