import { parseCsv, stringifyCsv } from './csv';
import type { AnnotationFile, FeatureAnnotation, SpuriousSubtype } from './annotations';

/** Columns of Salient ImageNet's released votes file, in its order. */
export const SALIENT_COLUMNS = [
  'WorkerId', 'Input.wordnet_id', 'Input.class_index', 'Input.feature_index', 'Input.feature_rank',
  'Answer.main', 'Answer.confidence', 'Answer.reasons',
] as const;

/** Allowed Answer.main values. */
export type SalientAnswer = 'main_object' | 'separate_object' | 'background';

/** Fixed order for breaking a subtype tie among spurious votes: the first wins. */
export const SUBTYPE_TIE_ORDER: SpuriousSubtype[] = ['background', 'separate_object'];

/** The votes of one (class, feature) pair and the verdict they give. */
export interface SalientPair {
  classIndex: number;
  wnid: string;
  feature: number;
  rank: number | null;
  votes: Record<SalientAnswer, number>;
  label: 'core' | 'spurious';
  subtype?: SpuriousSubtype;
  /** Distinct non-empty Answer.reasons, joined with ' | '. */
  note?: string;
}

/** Result of reading a votes file: verdicts per pair plus warnings (file:line) for rows that were skipped. */
export interface SalientImport {
  pairs: SalientPair[];
  warnings: string[];
}

/**
 * Reads a Salient ImageNet votes CSV. Columns are found by header name (order free, extra columns ignored). A pair is
 * spurious when a strict majority of the votes cast are separate_object or background: 3 of the usual 5, and for
 * pairs with fewer or more votes, more than half of them (so a 2-2 split is core). The subtype is the majority among
 * the spurious votes, a tie going to the first of SUBTYPE_TIE_ORDER (background). Bad rows are skipped with a warning.
 */
export function parseSalientCsv(text: string, file = 'votes.csv'): SalientImport {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new Error(`${file}: empty file; expected a header row with ${SALIENT_COLUMNS.join(', ')}`);
  const header = rows[0].fields.map((h) => h.trim());
  const col: Record<string, number> = {};
  for (const name of SALIENT_COLUMNS) {
    const at = header.indexOf(name);
    if (at < 0 && name !== 'Answer.confidence' && name !== 'Answer.reasons' && name !== 'WorkerId' && name !== 'Input.feature_rank') {
      throw new Error(`${file}:${rows[0].line}: missing column "${name}"; found ${header.map((h) => `"${h}"`).join(', ')}`);
    }
    col[name] = at;
  }
  const warnings: string[] = [];
  const pairs = new Map<string, SalientPair & { reasons: Set<string> }>();
  const wnidOf = new Map<number, string>();
  for (const { line, fields } of rows.slice(1)) {
    const get = (name: string): string => (col[name] >= 0 ? (fields[col[name]] ?? '').trim() : '');
    const warn = (msg: string): void => { warnings.push(`${file}:${line}: ${msg}; row skipped`); };
    const cls = Number(get('Input.class_index'));
    const feature = Number(get('Input.feature_index'));
    const main = get('Answer.main');
    if (!Number.isInteger(cls) || cls < 0 || get('Input.class_index') === '') { warn(`Input.class_index must be a non-negative integer, got "${get('Input.class_index')}"`); continue; }
    if (!Number.isInteger(feature) || feature < 0 || get('Input.feature_index') === '') { warn(`Input.feature_index must be a non-negative integer, got "${get('Input.feature_index')}"`); continue; }
    if (main !== 'main_object' && main !== 'separate_object' && main !== 'background') {
      warn(`Answer.main must be main_object, separate_object or background, got "${main}"`);
      continue;
    }
    const wnid = get('Input.wordnet_id');
    const known = wnidOf.get(cls);
    if (known === undefined) wnidOf.set(cls, wnid);
    else if (known !== wnid) warnings.push(`${file}:${line}: class ${cls} has wordnet_id "${wnid}" here but "${known}" earlier; keeping "${known}"`);
    const key = `${cls}:${feature}`;
    let p = pairs.get(key);
    if (!p) {
      const rankText = get('Input.feature_rank');
      const rank = rankText === '' || !Number.isFinite(Number(rankText)) ? null : Number(rankText);
      p = { classIndex: cls, wnid: known ?? wnid, feature, rank, votes: { main_object: 0, separate_object: 0, background: 0 }, label: 'core', reasons: new Set() };
      pairs.set(key, p);
    }
    p.votes[main]++;
    const reason = get('Answer.reasons');
    if (reason) p.reasons.add(reason);
  }
  const out: SalientPair[] = [];
  for (const p of pairs.values()) {
    const { reasons, ...pair } = p;
    const spur = pair.votes.separate_object + pair.votes.background;
    const cast = spur + pair.votes.main_object;
    if (2 * spur > cast) {
      pair.label = 'spurious';
      const counts: Record<SpuriousSubtype, number> = { background: pair.votes.background, separate_object: pair.votes.separate_object };
      pair.subtype = SUBTYPE_TIE_ORDER.reduce((best, s) => (counts[s] > counts[best] ? s : best), SUBTYPE_TIE_ORDER[0]);
    }
    if (reasons.size) pair.note = Array.from(reasons).join(' | ');
    out.push(pair);
  }
  out.sort((a, b) => a.classIndex - b.classIndex || a.feature - b.feature);
  return { pairs: out, warnings };
}

/**
 * Merges imported verdicts into an annotation file (imported pairs replace existing labels of the same pair).
 * `classNameOf` maps a Salient class index / wnid onto a dataset class name; pairs of unmatched classes are listed.
 */
export function salientToAnnotations(
  imported: SalientImport, base: AnnotationFile, classNameOf: (classIndex: number, wnid: string) => string | undefined, at: string,
): { file: AnnotationFile; imported: number; unmatchedClasses: number[] } {
  const labels: AnnotationFile['labels'] = {};
  for (const [k, v] of Object.entries(base.labels)) labels[k] = { ...v };
  const unmatched = new Set<number>();
  let count = 0;
  for (const p of imported.pairs) {
    const name = classNameOf(p.classIndex, p.wnid);
    if (name === undefined) { unmatched.add(p.classIndex); continue; }
    const ann: FeatureAnnotation = { label: p.label, at };
    if (p.subtype) ann.subtype = p.subtype;
    if (p.note) ann.note = p.note;
    (labels[name] ??= {})[String(p.feature)] = ann;
    count++;
  }
  return { file: { ...base, labels }, imported: count, unmatchedClasses: Array.from(unmatched).sort((a, b) => a - b) };
}

/** Identity of a dataset class for export: its name, Salient ImageNet class index, and wnid when known. */
export interface ExportClass {
  name: string;
  index: number;
  wnid?: string;
}

/**
 * Writes annotations as Salient ImageNet votes: each labeled pair becomes 5 identical votes (workers
 * spuriosity-lens-1..5) so that re-importing gives back the same label, subtype and note. A spurious label without a
 * subtype is written as background. Input.feature_rank is the pair's 0-based position among the class's labeled
 * features by feature index. Classes not in `classes` are skipped and returned.
 */
export function exportSalientCsv(file: AnnotationFile, classes: ExportClass[]): { csv: string; skippedClasses: string[] } {
  const byName = new Map(classes.map((c) => [c.name, c]));
  const rows: string[][] = [Array.from(SALIENT_COLUMNS)];
  const skipped: string[] = [];
  const names = Object.keys(file.labels).sort((a, b) => (byName.get(a)?.index ?? 0) - (byName.get(b)?.index ?? 0) || (a < b ? -1 : 1));
  for (const name of names) {
    const cls = byName.get(name);
    if (!cls) { skipped.push(name); continue; }
    const feats = Object.keys(file.labels[name]).map(Number).sort((a, b) => a - b);
    feats.forEach((f, rank) => {
      const a = file.labels[name][String(f)];
      const main = a.label === 'core' ? 'main_object' : (a.subtype ?? 'background');
      for (let w = 1; w <= 5; w++) {
        rows.push([`spuriosity-lens-${w}`, cls.wnid ?? cls.name, String(cls.index), String(f), String(rank), main, '', a.note ?? '']);
      }
    });
  }
  return { csv: stringifyCsv(rows), skippedClasses: skipped };
}
