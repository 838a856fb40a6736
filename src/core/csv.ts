/** One parsed CSV record and the 1-based line it starts on. */
export interface CsvRow {
  line: number;
  fields: string[];
}

/** A CSV syntax error at a line. */
export class CsvError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/**
 * RFC 4180 CSV: comma-separated, fields optionally in double quotes (a quote inside is doubled, quoted fields may span
 * lines), LF or CRLF line ends, optional UTF-8 BOM. Blank lines are skipped. Throws CsvError on an unterminated quote
 * or text after a closing quote.
 */
export function parseCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  const n = text.length;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let blank = true;
    for (;;) {
      let field = '';
      if (text[i] === '"') {
        blank = false;
        const qLine = line;
        i++;
        for (;;) {
          if (i >= n) throw new CsvError('unterminated quoted field', qLine);
          const ch = text[i];
          if (ch === '"') {
            if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            break;
          }
          if (ch === '\n') line++;
          field += ch;
          i++;
        }
        if (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) {
          throw new CsvError(`unexpected ${JSON.stringify(text[i])} after a closing quote (quotes inside a field must be doubled)`, line);
        }
      } else {
        while (i < n && text[i] !== ',' && text[i] !== '\n' && !(text[i] === '\r' && text[i + 1] === '\n')) field += text[i++];
        if (field.length) blank = false;
      }
      fields.push(field);
      if (i < n && text[i] === ',') { i++; blank = false; continue; }
      break;
    }
    if (text[i] === '\r') i++;
    if (text[i] === '\n') { i++; line++; }
    if (!blank) rows.push({ line: start, fields });
  }
  return rows;
}

/** Quotes a field when it holds a comma, quote, line break or edge whitespace (or is a lone empty field). */
function quoteField(f: string, alone: boolean): string {
  if (/[",\r\n]/.test(f) || f !== f.trim() || (alone && f === '')) return `"${f.replace(/"/g, '""')}"`;
  return f;
}

/** Serialises rows as CSV with LF line ends; parseCsv reads it back to the same rows. */
export function stringifyCsv(rows: string[][]): string {
  return rows.map((r) => r.map((f) => quoteField(f, r.length === 1)).join(',')).join('\n') + (rows.length ? '\n' : '');
}
