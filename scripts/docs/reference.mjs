// Generates docs/reference/ (a JSON Schema per document the tool writes, and README.md with one field table per
// document) from the TypeScript types named in scripts/docs/documents.ts, their doc comments as descriptions.
//   node scripts/docs/reference.mjs           write docs/reference/
//   node scripts/docs/reference.mjs --check   exit 1 naming each file that differs from what the types say (npm run lint)
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGenerator } from 'ts-json-schema-generator';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'docs', 'reference');
const check = process.argv.includes('--check');

/** The documents, in the order the reference lists them: type in documents.ts, file slug, what writes it. */
const DOCUMENTS = [
  { type: 'AnnotationsJson', slug: 'annotations', title: 'Annotations file', writer: 'the Labeling view, `annotations import` / `from-probes`' },
  { type: 'ReviewJson', slug: 'review', title: 'Review file', writer: 'the review queue (Label error, Exclude)' },
  { type: 'HeadJson', slug: 'head', title: 'Head JSON', writer: 'Export → Head as JSON, `tune --out DIR`' },
  { type: 'CropManifestJson', slug: 'crop-manifest', title: 'Core-crop export manifest', writer: 'Export Core Crops…, `crop --out DIR`' },
  { type: 'ExtractJson', slug: 'extract', title: '`extract --json`', writer: '`spuriosity extract --json`' },
  { type: 'RankJson', slug: 'rank', title: '`rank --json`', writer: '`spuriosity rank --json`' },
  { type: 'GapJson', slug: 'gap', title: '`gap --json`', writer: '`spuriosity gap --json`, the JSON Export Report' },
  { type: 'TuneJson', slug: 'tune', title: '`tune --json`', writer: '`spuriosity tune --json`' },
  { type: 'CropJson', slug: 'crop', title: '`crop --json`', writer: '`spuriosity crop --json`' },
  { type: 'SensitivityJson', slug: 'sensitivity', title: '`sensitivity --json`', writer: '`spuriosity sensitivity --json`' },
  { type: 'CompareJson', slug: 'compare', title: '`compare --json`', writer: '`spuriosity compare --json`' },
  { type: 'FeaturesExportJson', slug: 'features-export', title: '`features export --json`', writer: '`spuriosity features export --json`' },
  { type: 'FeaturesImportJson', slug: 'features-import', title: '`features import --json`', writer: '`spuriosity features import --json`' },
];

const generator = createGenerator({
  path: join(root, 'scripts/docs/documents.ts'), tsconfig: join(root, 'scripts/docs/tsconfig.json'), type: '*',
  // npm run typecheck checks documents.ts (and the exactness assertions in it); no second type check here
  skipTypeCheck: true, jsDoc: 'extended', topRef: true, expose: 'export', additionalProperties: false,
});

/** The schema of a $ref'd or inline node, with the name it was defined under. */
function resolve(schema, node) {
  if (node && node.$ref) {
    const name = decodeURIComponent(node.$ref.replace('#/definitions/', ''));
    return { name, node: { ...schema.definitions[name], ...(node.description ? { description: node.description } : {}) } };
  }
  return { name: null, node };
}

/** A short type text for a table cell. */
function typeText(schema, node, depth = 0) {
  const { name, node: n } = resolve(schema, node);
  if (!n) return 'any';
  if (n.const !== undefined) return `\`${JSON.stringify(n.const)}\``;
  if (n.enum) return n.enum.map((v) => `\`${JSON.stringify(v)}\``).join(' \\| ');
  const alts = n.anyOf ?? n.oneOf;
  if (alts) return alts.map((a) => typeText(schema, a, depth + 1)).join(' \\| ');
  if (Array.isArray(n.type)) return n.type.join(' \\| ');
  if (n.type === 'array') return `${n.items ? typeText(schema, n.items, depth + 1) : 'any'}[]`;
  if (n.type === 'object' || n.properties) {
    if (!n.properties && n.additionalProperties && typeof n.additionalProperties === 'object') return `{ [key]: ${typeText(schema, n.additionalProperties, depth + 1)} }`;
    return name ? `object (${name})` : 'object';
  }
  return n.type ?? (name ?? 'any');
}

/** The object node(s) below a property whose fields belong in the table (objects, arrays of objects, nullable ones). */
function children(schema, node, seen) {
  const { name, node: n } = resolve(schema, node);
  if (!n || (name && seen.has(name))) return [];
  const next = name ? new Set([...seen, name]) : seen;
  if (n.properties) return [{ node: n, seen: next, suffix: '' }];
  if (n.type === 'object' && n.additionalProperties && typeof n.additionalProperties === 'object') return children(schema, n.additionalProperties, next).map((c) => ({ ...c, suffix: `.<key>${c.suffix}` }));
  if (n.type === 'array' && n.items) return children(schema, n.items, next).map((c) => ({ ...c, suffix: `[]${c.suffix}` }));
  const alts = n.anyOf ?? n.oneOf;
  if (alts) return alts.flatMap((a) => children(schema, a, next));
  return [];
}

/** Table rows (path, type, required, description) of an object node and everything below it. */
function rows(schema, node, prefix, seen, depth = 0) {
  const out = [];
  const required = new Set(node.required ?? []);
  for (const [key, prop] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    const { node: r } = resolve(schema, prop);
    out.push({ path, type: typeText(schema, prop), required: required.has(key), description: (prop.description ?? r?.description ?? '').replace(/\s+/g, ' ').trim() });
    if (depth < 6) for (const c of children(schema, prop, seen)) out.push(...rows(schema, c.node, `${path}${c.suffix}`, c.seen, depth + 1));
  }
  return out;
}

const cell = (s) => s.replace(/\|/g, '\\|').replace(/\\\\\|/g, '\\|');

const files = new Map();
const index = [];
const sections = [];
for (const d of DOCUMENTS) {
  const schema = generator.createSchema(d.type);
  const text = `${JSON.stringify(schema, null, 2)}\n`;
  files.set(join(out, 'schemas', `${d.slug}.schema.json`), text);
  const top = resolve(schema, { $ref: `#/definitions/${d.type}` }).node;
  const body = resolve(schema, top).node;
  index.push(`| [${d.title}](#${d.slug}) | ${d.writer} | [schemas/${d.slug}.schema.json](schemas/${d.slug}.schema.json) |`);
  const table = rows(schema, body, '', new Set([d.type]))
    .map((r) => `| \`${r.path}\` | ${cell(r.type)} | ${r.required ? 'yes' : ''} | ${cell(r.description)} |`);
  sections.push([`<a id="${d.slug}"></a>`, `## ${d.title}`, '', (top.description ?? '').trim(), body.description && body.description !== top.description ? `\n${body.description.trim()}` : '',
    '', `Written by ${d.writer}. JSON Schema: [schemas/${d.slug}.schema.json](schemas/${d.slug}.schema.json).`, '',
    '| field | type | required | meaning |', '|---|---|---|---|', ...table, ''].filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n'));
}
files.set(join(out, 'README.md'), `# Reference: the files Spuriosity Lens writes

Generated by \`npm run docs:reference\` (\`scripts/docs/reference.mjs\`) from the TypeScript types in
\`scripts/docs/documents.ts\`, which are the types the writers use; \`npm run lint\` fails when this folder no longer
matches them. Do not edit by hand. Units: accuracies and gaps in these files are percentage **points** (0..100),
except where a field says fraction (see \`src/core/vocabulary.ts\`).

| document | written by | schema |
|---|---|---|
${index.join('\n')}

${sections.join('\n')}`);

if (check) {
  const stale = [];
  for (const [path, text] of files) {
    let cur = null;
    try { cur = readFileSync(path, 'utf8'); } catch { /* missing */ }
    if (cur !== text) stale.push(relative(root, path));
  }
  let extra = [];
  try { extra = readdirSync(join(out, 'schemas')).map((f) => join(out, 'schemas', f)).filter((p) => !files.has(p)).map((p) => relative(root, p)); } catch { /* none */ }
  if (stale.length || extra.length) {
    console.error(`docs/reference is out of date with the types in scripts/docs/documents.ts: ${[...stale, ...extra.map((e) => `${e} (no such document)`)].join(', ')}. Run npm run docs:reference and commit the result.`);
    process.exit(1);
  }
  console.log(`docs/reference: ${files.size} files match the types`);
} else {
  mkdirSync(join(out, 'schemas'), { recursive: true });
  for (const [path, text] of files) writeFileSync(path, text);
  console.log(`wrote ${files.size} files to ${relative(root, out)}`);
}
