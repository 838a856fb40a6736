// Screenshots chosen harness views while iterating on one element (the full set and checks: screenshot.mjs).
// Run: node scripts/webview-harness/shot.mjs OUTDIR 'tab=crops&recheck=1' [more queries...] (WIDTH, THEME, CLICK env optional)
import { createServer } from 'node:http';
import { readFile, mkdir } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { chromium } from 'playwright-core';
import { buildHarness } from './build.mjs';

const [outDir, ...queries] = process.argv.slice(2);
const dist = await buildHarness();
await mkdir(outDir, { recursive: true });
const types = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf' };
const server = createServer(async (req, res) => {
  const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^([/\\])+/, '');
  try { res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(await readFile(join(dist, path))); } catch { res.writeHead(404).end(); }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [i, q] of queries.entries()) {
  const page = await browser.newPage({ viewport: { width: Number(process.env.WIDTH ?? 1280), height: Number(process.env.HEIGHT ?? 900) } });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') console.error(`console: ${m.text()}`); });
  await page.goto(`http://127.0.0.1:${server.address().port}/harness/index.html?theme=${process.env.THEME ?? 'dark'}&${q}`);
  await page.waitForTimeout(Number(process.env.SETTLE ?? 1200));
  const file = join(outDir, `${i}-${q.replace(/[^a-z0-9=]+/gi, '_')}.png`);
  await page.screenshot({ path: file, fullPage: process.env.FULL === '1' });
  console.log(file);
  await page.close();
}
await browser.close();
server.close();
