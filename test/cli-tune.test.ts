// tune's optimiser flags as a user runs them: the default L-BFGS preset, the scaled preset's epoch cap said out loud,
// and knobs of the wrong recipe or out of range refused with messages naming them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliRunner, demoFixture } from './helpers/cli';

const { data } = demoFixture('cli-tune');
const cli = cliRunner('--threads', '1');

test('tune: the default is L-BFGS with per-round history; --preset scaled --steps 30000 reports its cap', () => {
  const a = cli('annotations', 'from-probes', data);
  assert.equal(a.code, 0, a.stderr);
  const d = cli('tune', data, '--json', '--max-iter', '40', '--pull-start', '0.1', '--l2-pull', '0.001');
  assert.equal(d.code, 0, d.stderr);
  const t = JSON.parse(d.stdout);
  assert.equal(t.preset, 'lbfgs');
  const m = t.methods[0];
  assert.deepEqual({ ...m.schedule, pulls: m.schedule.pulls.map((p: number) => Number(p.toPrecision(2))) },
    { optimizer: 'lbfgs', maxIter: 40, pullStart: 0.1, l2Pull: 0.001, pulls: [0.1, 0.032, 0.01, 0.0032, 0.001], gradTol: 1e-5, maxAccuracyDrop: 0.01, epochs: 5 });
  assert.ok(['below-threshold', 'converged', 'max-iterations', 'accuracy-guard'].includes(m.stoppedBecause), m.stoppedBecause);
  const steps = m.history.map((h: { steps: number }) => h.steps);
  assert.ok(steps.every((x: number, i: number) => i === 0 ? x === 0 : x >= steps[i - 1]) && steps[steps.length - 1] <= 40, `steps per round ${steps}`);
  assert.ok(m.history.length <= 6);
  const share = cli('tune', data, '--k-share', '1.5');
  assert.notEqual(share.code, 0);
  assert.match(share.stderr, /--k-share must be a share in \(0, 1\], got 1.5/);
  const s = cli('tune', data, '--json', '--preset', 'scaled', '--steps', '30000', '--threshold', '-100');
  assert.equal(s.code, 0, s.stderr);
  const sch = JSON.parse(s.stdout).methods[0].schedule;
  assert.equal(sch.optimizer, 'sgd');
  assert.equal(sch.stepsRequested, 30000);
  assert.equal(sch.capped, true);
  assert.equal(sch.epochs, 200);
});

test('tune opens the analysis out of core (the analysis index appears in the cache) and --head fit in memory', () => {
  const cache = mkdtempSync(join(tmpdir(), 'spl-cli-tune-'));
  try {
    const d = cli('tune', data, '--json', '--max-iter', '5', '--cache', cache);
    assert.equal(d.code, 0, d.stderr);
    const m = JSON.parse(d.stdout).methods[0];
    assert.ok(m.tuningImages > 0 && m.history.length >= 1);
    const indexes = () => readdirSync(cache, { recursive: true }).map(String).filter((f) => /(^|\/)analysis-[^/]*\.idx$/.test(f));
    assert.equal(indexes().length, 1, `one analysis index in ${readdirSync(cache, { recursive: true })}`);
    rmSync(cache, { recursive: true, force: true });
    const f = cli('tune', data, '--json', '--max-iter', '5', '--cache', cache, '--head', 'fit');
    assert.equal(f.code, 0, f.stderr);
    assert.equal(JSON.parse(f.stdout).head, 'fit');
    assert.deepEqual(indexes(), [], 'the fitted head opened in memory');
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});

test('tune: a knob of the other recipe or out of range is refused, naming it', () => {
  const wrong = cli('tune', data, '--lr', '0.1');
  assert.notEqual(wrong.code, 0);
  assert.match(wrong.stderr, /--lr applies to the SGD presets/);
  const wrong2 = cli('tune', data, '--preset', 'authors', '--l2-pull', '0.1');
  assert.notEqual(wrong2.code, 0);
  assert.match(wrong2.stderr, /--l2-pull applies to the --preset lbfgs preset, not to --preset authors/);
  const bad = cli('tune', data, '--max-iter', '0');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--max-iter must be an integer from 1 to 100000, got "0"/);
  const help = cli('tune', '--help');
  assert.match(help.stdout.replace(/\s+/g, " "), /at most 200 epochs are run, so a larger budget is capped/);
});
