// The head JSON the tool writes reads back, and so do the files older versions wrote (the CLI's `method: "low"`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headJson, parseHeadJson } from '../../src/engine/export/headFiles';

const head = { classes: 2, dim: 3, weight: Float32Array.from([1, 2, 3, 4, 5, 6]), bias: Float32Array.from([0.5, -0.5]) };

test('headJson round-trips through parseHeadJson with its method', () => {
  const r = parseHeadJson(headJson(head, ['a', 'b'], { method: 'low-spuriosity' }), 'h.json');
  assert.deepEqual(Array.from(r.head.weight), [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(Array.from(r.head.bias), [0.5, -0.5]);
  assert.deepEqual(r.labels, ['a', 'b']);
  assert.equal(r.method, 'low-spuriosity');
});

test("an older CLI's head file (method \"low\") reads as low-spuriosity; no method reads as null", () => {
  const old = '{"format":"spuriosity-lens/head@1","classes":1,"dim":2,"labels":["x"],"method":"low","weight":[[1,2]],"bias":[3]}';
  assert.equal(parseHeadJson(old, 'old.json').method, 'low-spuriosity');
  assert.equal(parseHeadJson(old.replace('"method":"low",', ''), 'old.json').method, null);
  assert.equal(parseHeadJson(old.replace('"low"', '"error"'), 'old.json').method, 'error');
});

test('a file that is not a head is refused naming the file and the field', () => {
  assert.throws(() => parseHeadJson('{', 'bad.json'), /bad\.json: not JSON/);
  assert.throws(() => parseHeadJson('{"classes":1,"dim":2,"labels":["x"],"weight":[[1]],"bias":[3]}', 'w.json'), /w\.json: weight must be 1 rows of 2 numbers/);
  assert.throws(() => parseHeadJson('{"classes":1,"dim":1,"labels":[],"weight":[[1]],"bias":[3]}', 'l.json'), /l\.json: labels must be 1 strings/);
});
