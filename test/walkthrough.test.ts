// The Get Started walkthrough (package.json contributes.walkthroughs) as VS Code reads it: every title and description
// resolves in package.nls.json, every step's media file is packaged, and every command it links or completes on is
// contributed and registered by the extension, so no step's button does nothing; the first step creates the demo.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const repo = resolve('.');
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  contributes: {
    commands: Array<{ command: string }>;
    views?: Record<string, Array<{ id: string }>>;
    configuration?: { properties: Record<string, unknown> } | Array<{ properties: Record<string, unknown> }>;
    walkthroughs: Array<{ id: string; title: string; description: string; steps: Array<{ id: string; title: string; description: string; media: { markdown?: string; image?: string }; completionEvents?: string[] }> }>;
  };
};
const nls = JSON.parse(readFileSync(join(repo, 'package.nls.json'), 'utf8')) as Record<string, string>;
const extensionSource = readFileSync(join(repo, 'src', 'extension', 'extension.ts'), 'utf8');
const vscodeignore = readFileSync(join(repo, '.vscodeignore'), 'utf8');

/** A "%key%" placeholder's text, or the string itself. */
const text = (s: string): string => {
  const m = /^%(.+)%$/.exec(s);
  if (!m) return s;
  assert.ok(m[1] in nls, `package.nls.json has no "${m[1]}"`);
  return nls[m[1]];
};
const contributed = new Set(pkg.contributes.commands.map((c) => c.command));
const registered = (id: string): boolean => extensionSource.includes(`command('${id.replace(/^spuriosityLens\./, '')}'`);
const views = new Set(Object.values(pkg.contributes.views ?? {}).flat().map((v) => v.id));
const settings = new Set((Array.isArray(pkg.contributes.configuration) ? pkg.contributes.configuration : [pkg.contributes.configuration ?? { properties: {} }]).flatMap((c) => Object.keys(c.properties)));

test('the walkthrough: texts resolve, media files exist and are packaged, every linked command is contributed and registered', () => {
  assert.ok(pkg.contributes.walkthroughs.length >= 1, 'a walkthrough is contributed');
  for (const w of pkg.contributes.walkthroughs) {
    assert.ok(text(w.title).length > 0 && text(w.description).length > 0);
    assert.ok(w.steps.length >= 3, `${w.id} has its steps`);
    for (const s of w.steps) {
      const description = text(s.description);
      assert.ok(text(s.title).length > 0, `${s.id} has a title`);
      const media = s.media.markdown ?? s.media.image;
      assert.ok(media && existsSync(join(repo, media)), `${s.id}: media ${media} exists`);
      // .vscodeignore leaves out everything ('**') and re-includes what ships; vsce lets any '!' line win
      assert.ok(media.startsWith('media/') && vscodeignore.split('\n').some((l) => l.trim() === '!media/**'), `${s.id}: ${media} ships in the .vsix`);
      const links = [...description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.ok(links.length >= 1, `${s.id} offers a button`);
      for (const id of links) {
        assert.ok(contributed.has(id), `${s.id} links ${id}, which package.json does not contribute`);
        assert.ok(registered(id), `${s.id} links ${id}, which src/extension/extension.ts does not register`);
      }
      for (const ev of s.completionEvents ?? []) {
        const [kind, arg] = [ev.slice(0, ev.indexOf(':')), ev.slice(ev.indexOf(':') + 1)];
        if (kind === 'onCommand') assert.ok(contributed.has(arg) && registered(arg), `${s.id} completes on ${arg}, not a registered command`);
        else if (kind === 'onView') assert.ok(views.has(arg), `${s.id} completes on view ${arg}, not a contributed view`);
        else if (kind === 'onSettingChanged') assert.ok(settings.has(arg), `${s.id} completes on setting ${arg}, not a contributed setting`);
        else assert.fail(`${s.id}: completion event ${ev} is not one this test knows`);
      }
    }
  }
  // the ask: the walkthrough opens the demo first
  const first = pkg.contributes.walkthroughs[0].steps[0];
  assert.match(text(first.description), /\(command:spuriosityLens\.generateDemo\)/, 'the first step creates the demo dataset');
});
