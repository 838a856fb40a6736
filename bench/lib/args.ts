// Tiny flag parsing shared by the bundled benchmark helpers (they are spawned by bench/run.mjs).

/** Reads `--name value` as a non-negative number, or the default; exits with a message naming the flag otherwise. */
export function numArg(argv: string[], name: string, d: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return d;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v < 0) {
    console.error(`--${name} must be a non-negative number, got "${argv[i + 1]}"`);
    process.exit(2);
  }
  return v;
}

/** Reads `--name value` as a string, or the default. */
export function strArg(argv: string[], name: string, d: string): string {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : d;
}

/** This process's peak resident set so far, in MB (Linux reports maxRSS in kB). */
export function peakRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
