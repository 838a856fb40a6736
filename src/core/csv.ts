/** One parsed CSV record and the 1-based line it starts on. */
export interface CsvRow {
  line: number;
  fields: string[];
}

/** A record as readCsv returns it: `error` says why it cannot be trusted (an unterminated quote, text after a closing quote). */
export interface CsvRecord extends CsvRow {
  error?: string;
}

/** A CSV syntax error at a line. */
export class CsvError extends Error {
  constructor(message: string, readonly line: number) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/**
 * The one CSV reader. RFC 4180: comma-separated, fields optionally in double quotes (a quote inside is doubled, quoted
 * fields may span lines), CRLF, LF or a bare CR ends a record, an optional UTF-8 BOM is dropped, blank lines are no
 * records. Never throws: a malformed record carries `error` and reading resumes at the next line (an unterminated
 * quote ends the text). Callers that keep the good rows of a file (dataset manifests) use this; parseCsv throws instead.
 */
export function readCsv(text: string): CsvRecord[] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const n = s.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    let quoted = false;
    let field = '';
    let done = false;
    while (!done) {
      if (s[i] === '"') {
        // Quoted field: runs to the next lone quote; newlines inside belong to the field.
        quoted = true;
        i++;
        let closed = false;
        while (i < n) {
          const ch = s[i];
          if (ch === '"') {
            if (s[i + 1] === '"') { field += '"'; i += 2; continue; }
            i++;
            closed = true;
            break;
          }
          if (ch === '\n' || (ch === '\r' && s[i + 1] !== '\n')) line++;
          field += ch;
          i++;
        }
        if (!closed) {
          error = 'unterminated quoted field';
          fields.push(field);
          break;
        }
        if (i < n && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          error = `unexpected ${JSON.stringify(s[i])} after a closing quote (quotes inside a field must be doubled)`;
          // Skip the rest of the physical line so the next record starts clean.
          while (i < n && s[i] !== '\n' && s[i] !== '\r') i++;
        }
      } else {
        while (i < n && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          if (s[i] === '"' && !error) error = 'quote inside an unquoted field (a field with a quote must be quoted, the quote doubled)';
          field += s[i];
          i++;
        }
      }
      fields.push(field);
      field = '';
      if (i < n && s[i] === ',') { i++; continue; }
      // End of record: CRLF, LF, CR or end of text.
      if (s[i] === '\r') i++;
      if (s[i] === '\n') i++;
      line++;
      done = true;
    }
    // A blank line is not a record (RFC 4180 has no empty records; files often end with one); a lone "" is one.
    if (!(fields.length === 1 && fields[0] === '' && !quoted && !error)) records.push(error ? { line: start, fields, error } : { line: start, fields });
    if (error === 'unterminated quoted field') break;
  }
  return records;
}

/** readCsv for files that must be whole (Salient ImageNet votes): throws CsvError at the first malformed record. */
export function parseCsv(text: string): CsvRow[] {
  const records = readCsv(text);
  const bad = records.find((r) => r.error !== undefined);
  if (bad) throw new CsvError(bad.error!, bad.line);
  return records;
}

/** Quotes a field when it holds a comma, quote, line break or edge whitespace (or is a lone empty field). */
function quoteField(f: string, alone: boolean): string {
  if (/[",\r\n]/.test(f) || f !== f.trim() || (alone && f === '')) return `"${f.replace(/"/g, '""')}"`;
  return f;
}

/** Formats one record as a CSV line without its line end; readCsv reads it back to the same fields. */
export function formatCsvRecord(fields: readonly string[]): string {
  return fields.map((f) => quoteField(f, fields.length === 1)).join(',');
}

/** Serialises rows as CSV with LF line ends; parseCsv reads it back to the same rows. */
export function stringifyCsv(rows: string[][]): string {
  return rows.map(formatCsvRecord).join('\n') + (rows.length ? '\n' : '');
}
