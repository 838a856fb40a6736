// esbuild entry of dist/demoGenerator.js (see bundled.mjs): run as a child process by the extension's "Generate Demo Dataset".
import { main } from './bundled.mjs';

main().then(() => process.exit(0), (e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
