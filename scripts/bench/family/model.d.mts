import type { FamilySpec } from './specs.mjs';
/** Path of the member's model for this spec (trained on first use). */
export function ensureFamilyModel(spec: FamilySpec, folder: string, log?: (m: string) => void): string;
