/** Renders rows as an aligned plain-text table (numbers right-aligned). */
export function table(header: string[], rows: Array<Array<string | number | null>>): string {
  const cells = [header, ...rows.map((r) => r.map((c) => (c === null ? '–' : typeof c === 'number' ? fmtNum(c) : c)))];
  const widths = header.map((_, j) => Math.max(...cells.map((r) => r[j].length)));
  const numeric = header.map((_, j) => rows.every((r) => r[j] === null || typeof r[j] === 'number'));
  const line = (r: string[]) => r.map((c, j) => (numeric[j] ? c.padStart(widths[j]) : c.padEnd(widths[j]))).join('  ').trimEnd();
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function fmtNum(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(1);
}
