// Each demo benchmark owns one section of BENCHMARKS.md between `<!-- name:start -->` and `<!-- name:end -->`, so
// re-running one script replaces its own figures and leaves every other section as it was.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** Writes (or replaces) the section `name` of BENCHMARKS.md: a heading, today's date, then `lines`; returns the file's path. */
export function writeBenchmarksSection(name: string, heading: string, lines: string[]): string {
  const md = resolve('BENCHMARKS.md');
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n## ${heading}\n\nMeasured ${new Date().toISOString().slice(0, 10)}.\n\n${lines.join('\n')}\n${end}`;
  const text = existsSync(md) ? readFileSync(md, 'utf8') : '# Benchmarks\n';
  const from = text.indexOf(start);
  const to = text.indexOf(end, from);
  // Slicing, not String.replace: a `$` in the figures must stay literal.
  writeFileSync(md, from >= 0 && to >= 0
    ? text.slice(0, from) + section + text.slice(to + end.length)
    : `${text.trimEnd()}\n\n${section}\n`);
  return md;
}
