// Types for the demo generator's packed-digits variant (the installed extension's), so tests can import it.
import type { DigitSource } from './generate-dataset.mjs';

/** Packs the digits the default demo draws into a gzipped JSON file. */
export function packDigits(file: string): void;
/** The packed digits as a generator digit source. */
export function unpackDigits(file: string): DigitSource;
/** Child-process entry: generates the default demo into --out. */
export function main(argv?: string[]): Promise<void>;
