// Mask suggestions in the real VS Code (issue 15): the demo ranked in code-server, the Labeling view's "Suggest labels
// from masks" scores its top features against the generator's object masks in the engine's child process (progress
// and Cancel shown while it runs), the badges appear on the cards, a person labels one feature against its
// suggestion with a key, Enter accepts another card's suggestion, and "Accept confident suggestions in all classes"
// labels the rest: every class labeled, the person's label kept, the others stored with their origin.
// Screenshot: docs/screenshots/vscode-labeling-suggestions-dark.png. Reuses the .vsix another e2e file packaged
// when E2E_REUSE_VSIX=1 (as `npm run test:e2e` sets it), else packages one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateDemoDataset } from '../../scripts/demo/generate-dataset.mjs';
import { findInFrames, until } from '../../scripts/e2e/workbench.mjs';
import { shootAs } from './panelShots';
import { lensSettings, lensText, packagedVsix, rankFromExplorer, scrollPanelToTop, tab, withLens } from './lib/lens';

const DATASET = 'spurious-mnist';

type Stored = Record<string, Record<string, { label: string; subtype?: string; origin?: { by: string; score: number } }>>;

test('labeling view: suggestions computed from the panel, Enter accepts one, accept-all labels the rest and keeps a person\'s label', { timeout: 14 * 60_000 }, async () => {
  await withLens('autolabel', 'spuriosity-autolabel-', async (r) => {
    const { log, workspace } = r;
    const v = packagedVsix();
    const dataset = await generateDemoDataset({ out: join(workspace, DATASET) });
    assert.ok(existsSync(join(dataset, 'masks', '.done')), 'the demo generator wrote masks/');
    const extDir = r.install(v);
    const model = join(extDir, 'models', 'demo', 'spurious-mnist.onnx');
    const p = await r.open(lensSettings({ 'spuriosityLens.modelPath': model }));
    await rankFromExplorer(p, DATASET, 'classes labeled');
    await (await tab(p, 'Labeling')).click();
    // no suggestions yet: the card says how to get them; the button computes them in the child process
    assert.match(await lensText(p, 'labeling-view section.card.focused .suggest-note', 60_000), /no mask suggestions yet/);
    const t1 = Date.now();
    await (await findInFrames(p, 'labeling-view vscode-button', { hasText: 'Suggest labels from masks' })).click();
    const badge = await findInFrames(p, 'labeling-view section.card.focused .suggest', { timeout: 6 * 60_000 });
    assert.match((await badge.textContent()) ?? '', /suggests (core|spurious: background): \d+% on the object/);
    log(`suggestions computed from the panel in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
    const dir = join(dataset, '.spuriosity');
    const sugg = JSON.parse(readFileSync(join(dir, readdirSync(dir).find((n) => /^suggestions\.[0-9a-f]{8}\.json$/.test(n))!), 'utf8')) as
      { model: { sha256: string }; pairs: Record<string, Record<string, { suggestion: string | null }>> };
    const confident = Object.values(sugg.pairs).flatMap((f) => Object.values(f)).filter((p) => p.suggestion !== null).length;
    const annotations = join(dir, `annotations.${sugg.model.sha256.slice(0, 8)}.json`);
    const cls = await lensText(p, 'labeling-view .head h2');
    // a person's label against the focused card's suggestion (a key press): it must survive every accept
    const first = await lensText(p, 'labeling-view section.card.focused header strong');
    const personFeature = /feature (\d+)/.exec(first)![1];
    const personLabel = /suggests core/.test((await badge.textContent()) ?? '') ? 'spurious' : 'core';
    await p.keyboard.press(personLabel === 'core' ? 'c' : 's');
    await until(`${first} of ${cls} labeled by the person`, async () => {
      const chip = await lensText(p, 'labeling-view section.card[data-i="0"] .chip');
      return chip.startsWith(personLabel) && !/machine/.test(chip);
    }, { timeout: 30_000 });
    const personClass = cls;
    // the focus moved on; Enter on the first later card that has a suggestion
    let focused = '';
    for (let i = 0; i < 5 && !focused; i++) {
      const card = await findInFrames(p, 'labeling-view section.card.focused');
      if (await card.locator('.suggest').count()) focused = await lensText(p, 'labeling-view section.card.focused header strong');
      else await p.keyboard.press('j');
    }
    assert.ok(focused, `no card of ${cls} after the first has a confident suggestion`);
    await p.keyboard.press('Enter');
    await until(`${focused} of ${cls} labeled by its suggestion`, async () => {
      const chip = await (await findInFrames(p, 'labeling-view section.card', { hasText: new RegExp(`${focused.replace(/[·#]/g, '.')}`) })).locator('.chip').textContent();
      return /· machine/.test(chip ?? '');
    }, { timeout: 30_000 });
    log(`the person labeled ${cls} ${first} ${personLabel}; Enter accepted the suggestion of ${focused}`);
    await (await findInFrames(p, 'labeling-view vscode-button', { hasText: 'Accept confident suggestions in all classes' })).click();
    await until('every class labeled', async () => /10 of 10 classes labeled/.test(await lensText(p, 'labeling-view .head span[role="status"]')), { timeout: 90_000 });
    // the shown class's cards show their new labels at once (the host's fresh cards follow)
    await until('the shown cards all labeled', async () => {
      const text = await lensText(p, 'labeling-view section.card[data-i="1"] .chip');
      return !/unlabeled/.test(text) && !/unlabeled/.test(await lensText(p, 'labeling-view section.card[data-i="2"] .chip'));
    }, { timeout: 60_000 });
    await scrollPanelToTop(p);
    await shootAs(p, 'vscode-labeling-suggestions-dark.png');

    const stored = (JSON.parse(readFileSync(annotations, 'utf8')) as { labels: Stored }).labels;
    const personWasConfident = sugg.pairs[personClass][personFeature].suggestion !== null;
    const all = Object.entries(stored).flatMap(([c, f]) => Object.entries(f).map(([k, l]) => ({ c, k, l })));
    const person = stored[personClass][personFeature];
    assert.equal(person.label, personLabel, "the person's label is kept");
    assert.equal(person.origin, undefined);
    assert.equal(all.filter((x) => x.l.origin?.by === 'mask-suggestion').length, confident - (personWasConfident ? 1 : 0), 'every other confident suggestion became a machine label');
    log(`all classes labeled: ${confident - 1} machine labels, the person's kept; shot taken`);
  });
});
