import type { Split } from '../../core/types';

/** One image of a dataset, as discovered on disk. */
export interface ImageEntry {
  /** Absolute path of the image file. */
  path: string;
  /** Path relative to the dataset root, with forward slashes: the stable id of the image. */
  rel: string;
  /** Class name (folder name or manifest label). */
  label: string;
  split: Split;
  size: number;
  mtimeMs: number;
}

/** Why a file was left out of the dataset (a zero-byte image is not skipped: extraction reports it as failed, reason 'empty'). */
export type SkipReason = 'hidden' | 'not-an-image' | 'symlink-loop' | 'unreadable' | 'missing' | 'bad-manifest-row'
  /** An image lying directly in the root (or a split folder), outside any class folder. */
  | 'no-class';

/** A file left out of the dataset, with the reason a user can act on. */
export interface SkippedFile {
  path: string;
  reason: SkipReason;
  detail?: string;
}

/** A discovered dataset: images sorted by (split, label, rel), classes sorted by name. */
export interface Dataset {
  root: string;
  /** How the dataset was found: folders (with or without split folders) or a manifest file. */
  layout: 'imagefolder' | 'imagefolder-splits' | 'manifest';
  /** The split folder or manifest value that serves as validation (e.g. 'val', 'validation', 'test'), or null. */
  validationSource: string | null;
  classes: string[];
  images: ImageEntry[];
  skipped: SkippedFile[];
  /** Validation-candidate splits present but not used because a preferred one exists (e.g. 'test' when 'val' exists), and other unused top-level folders of a split layout. */
  ignoredSplits?: string[];
  /** How many images got their split from the path hash (no split folder or manifest value): see hashSplit in split.ts. */
  hashSplitCount?: number;
}
