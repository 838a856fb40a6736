import type { FamilySpec } from './specs.mjs';
/** Folder names of a spec's classes, in label order. */
export function classNames(spec: FamilySpec): string[];
/** Hash of the spec and the pixel recipe. */
export function specKey(spec: FamilySpec): string;
/** Generates `spec` under `root`/<name> (or reuses it); returns the folder. */
export function generateFamilyMember(spec: FamilySpec, root?: string): Promise<string>;
