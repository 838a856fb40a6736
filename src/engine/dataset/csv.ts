// RFC 4180 CSV: fields separated by commas, records by CRLF or LF, fields optionally
// quoted with '"' (a quote inside a quoted field is doubled). Lenient where RFC 4180 is
// silent: a bare CR also ends a record, and a leading UTF-8 BOM is dropped.

/** One CSV record: its fields, the 1-based line it starts on, and why it is malformed (if it is). */
export interface CsvRecord {
  line: number;
  fields: string[];
  /** Set when the record cannot be trusted (e.g. an unterminated quote or text after a closing quote). */
  error?: string;
}

/** Parses CSV text into records; never throws, malformed records carry `error` and parsing resumes at the next line. */
export function parseCsv(text: string): CsvRecord[] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const records: CsvRecord[] = [];
  const n = s.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    let field = '';
    let done = false;
    while (!done) {
      if (s[i] === '"') {
        // Quoted field: runs to the next lone quote; newlines inside belong to the field.
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
          error = `unexpected character ${JSON.stringify(s[i])} after a closing quote`;
          // Skip the rest of the physical line so the next record starts clean.
          while (i < n && s[i] !== '\n' && s[i] !== '\r') i++;
        }
      } else {
        while (i < n && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') {
          if (s[i] === '"' && !error) error = 'quote inside an unquoted field';
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
    // A blank line is not a record (RFC 4180 has no empty records; files often end with one).
    if (!(fields.length === 1 && fields[0] === '' && !error)) records.push(error ? { line: start, fields, error } : { line: start, fields });
    if (error === 'unterminated quoted field') break;
  }
  return records;
}

/** Quotes a field when it holds a comma, quote, CR or LF (or leading/trailing space), doubling inner quotes. */
export function formatCsvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** Formats one record as a CSV line without the line terminator. */
export function formatCsvRecord(fields: readonly string[]): string {
  return fields.map(formatCsvField).join(',');
}
