// Images a command left out, on stderr: one line each with the reason and the decoder's message (which names the file).

/** An image left out, as the engine reports it. */
export interface LeftOut {
  path: string;
  reason: string;
  message: string;
}

/** Writes the first `max` failures, then how many more there were. */
export function writeFailures(what: string, failures: LeftOut[], max = 10): void {
  for (const f of failures.slice(0, max)) {
    process.stderr.write(`spuriosity: ${what} (${f.reason}): ${f.message.includes(f.path) ? f.message : `${f.path}: ${f.message}`}\n`);
  }
  if (failures.length > max) process.stderr.write(`spuriosity: … and ${failures.length - max} more (--json lists them all)\n`);
}
