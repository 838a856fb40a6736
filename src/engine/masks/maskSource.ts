// Which object masks the suggestions use: a segmenter when one is configured, else the configured masks folder, else
// <dataset>/masks; when there are none, the reason the user sees (no suggestion is made without masks).
import { existsSync, statSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { MaskFolderSource, MaskSegmenterSource } from './maskScoreJob';

/** Where the masks come from, or why there are none (the message the user sees). */
export type MaskSourceChoice = { ok: true; source: MaskFolderSource | MaskSegmenterSource; label: string } | { ok: false; why: string };

/** A setting's path: absolute as given, relative to the dataset root otherwise. */
function fromRoot(root: string, p: string): string {
  return isAbsolute(p) ? p : resolve(root, p);
}

/** The source for a dataset: segmenter setting, masks-folder setting, <root>/masks; else why none. */
export function chooseMaskSource(root: string, s: { masksFolder: string; segmenterPath: string }, exists = existsSync, isDir = (p: string) => statSync(p).isDirectory()): MaskSourceChoice {
  if (s.segmenterPath) {
    const m = fromRoot(root, s.segmenterPath);
    if (!exists(m)) return { ok: false, why: `the segmenter in spuriosityLens.segmenterPath does not exist: ${m}` };
    return { ok: true, source: { kind: 'segmenter', modelPath: m }, label: `segmenter ${m}` };
  }
  const dir = s.masksFolder ? fromRoot(root, s.masksFolder) : join(root, 'masks');
  if (exists(dir) && isDir(dir)) return { ok: true, source: { kind: 'folder', dir }, label: `masks ${dir}` };
  if (s.masksFolder) return { ok: false, why: `the masks folder in spuriosityLens.masksFolder is not a folder: ${dir}` };
  return { ok: false, why: `no object masks: ${dir} does not exist. Put a folder mirroring the image tree there (<stem>.png per image), or set spuriosityLens.masksFolder or spuriosityLens.segmenterPath` };
}
