// Fails when the folders of src/engine import each other in a loop (e.g. extract -> crop -> extract), counting
// type-only and dynamic imports too: a loop between folders means neither can be read, moved or tested alone.
// Usage: node scripts/check-import-cycles.mjs [root] (default src/engine). Prints each loop with one import per edge.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

const root = resolve(process.argv[2] ?? 'src/engine');
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) files.push(p);
  }
};
walk(root);

/** The folder of a file inside root: its first path segment ('.' for files directly in root). */
const folderOf = (file) => {
  const parts = relative(root, file).split(sep);
  return parts.length > 1 ? parts[0] : '.';
};

/** edges.get(a).get(b): one example "file -> specifier" of folder a importing folder b. */
const edges = new Map();
for (const file of files) {
  const { importedFiles } = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  for (const { fileName: spec } of importedFiles) {
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec);
    if (!target.startsWith(root + sep)) continue;
    const from = folderOf(file);
    const to = folderOf(target.endsWith('.ts') ? target : `${target}.ts`);
    if (from === to) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    if (!edges.get(from).has(to)) edges.get(from).set(to, `${relative(process.cwd(), file)} imports ${spec}`);
  }
}

// Tarjan's strongly connected components: every component with more than one folder is a loop.
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const loops = [];
let next = 0;
const visit = (v) => {
  index.set(v, next);
  low.set(v, next++);
  stack.push(v);
  onStack.add(v);
  for (const w of edges.get(v)?.keys() ?? []) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const scc = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      scc.push(w);
    } while (w !== v);
    if (scc.length > 1) loops.push(scc.sort());
  }
};
for (const v of [...new Set(files.map(folderOf))].sort()) if (!index.has(v)) visit(v);

const where = relative(process.cwd(), root) || '.';
if (loops.length === 0) {
  console.log(`import cycles: none between the ${new Set(files.map(folderOf)).size} folders of ${where}`);
  process.exit(0);
}
for (const scc of loops) {
  console.error(`import cycle between folders of ${where}: ${scc.join(', ')}`);
  const inScc = new Set(scc);
  for (const a of scc) for (const [b, why] of edges.get(a) ?? []) if (inScc.has(b)) console.error(`  ${a} -> ${b}: ${why}`);
}
process.exit(1);
