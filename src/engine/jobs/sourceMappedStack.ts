// Stack traces of the bundled extension name src/ lines: the .vsix ships dist/{extension,jobWorker,cli}.js.map
// (positions only, no sources content: about a tenth of the size), read here on demand with Node's own SourceMap
// (node:module). No global hook: the extension host is shared with other extensions and its Error.prepareStackTrace
// is VS Code's, so only the stacks this extension logs are rewritten.
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';

const maps = new Map<string, SourceMap | null>();

/** The source map beside a bundle (`<file>.map`), parsed once; null when there is none or it is unreadable. */
function mapFor(file: string): SourceMap | null {
  let m = maps.get(file);
  if (m === undefined) {
    try {
      m = new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8')) as ConstructorParameters<typeof SourceMap>[0]);
    } catch {
      m = null;
    }
    maps.set(file, m);
  }
  return m;
}

/** A frame's position in one of our bundles: path to dist/<name>.js, line and column (1-based). */
const FRAME = /((?:[A-Za-z]:)?[^\s()]*[\\/]dist[\\/][\w.-]+\.js):(\d+):(\d+)/g;

/** The source path as the map names it, relative to the repository ("../src/x.ts" -> "src/x.ts"). */
const fromRepo = (source: string): string => source.replace(/^(?:\.\.\/)+/, '').replace(/^webpack:\/\/\//, '');

/** `stack` with every position in a bundled dist/*.js that has a source map replaced by its src/ file, line and column. */
export function sourceMappedStack(stack: string): string {
  return stack.replace(FRAME, (frame: string, file: string, line: string, column: string) => {
    const entry = mapFor(file)?.findEntry(Number(line) - 1, Number(column) - 1);
    if (!entry || !('originalSource' in entry) || !entry.originalSource) return frame;
    return `${fromRepo(entry.originalSource)}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
  });
}
