// CLI errors and option parsers: a failure prints one line and exits non-zero.
import { InvalidArgumentError } from 'commander';

/** A failure to report as one line on stderr (exit code 1). */
export class CliError extends Error {
  override name = 'CliError';
}

/** Commander option parser for a positive integer; the message names the option and what is valid. */
export function positiveInt(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${option} must be a positive integer, got "${value}"`);
    return n;
  };
}

/** Commander option parser for an integer in [lo, hi]. */
export function intInRange(option: string, lo: number, hi: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < lo || n > hi) throw new InvalidArgumentError(`${option} must be an integer from ${lo} to ${hi}, got "${value}"`);
    return n;
  };
}

/** Commander option parser for an integer >= 0. */
export function nonNegativeInt(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${option} must be a whole number >= 0, got "${value}"`);
    return n;
  };
}

/** Commander option parser for a finite number. */
export function finiteNumber(option: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${option} must be a number, got "${value}"`);
    return n;
  };
}

/** The one-line message of any thrown value. */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.replace(/\s*\n\s*/g, ' ').trim();
}
