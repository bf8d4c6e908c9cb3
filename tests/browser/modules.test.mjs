// SPDX-License-Identifier: LGPL-2.1-or-later
// The console's modules that need no page: the event stream's parser, the
// dependency expressions and the graph's layout, the roles. Run with
// `node --test tests/browser/modules.test.mjs` (test_console.py does).

import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

// The modules are ES modules served to browsers, with no package.json
// beside them to say so to node (before 20.10 node takes a .js file as
// CommonJS): they are loaded from a copy that has one.
const src = new URL('../../src/console/', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'wp-console-'));
for (const f of readdirSync(src).filter((n) => n.endsWith('.js'))) cpSync(join(src, f), join(dir, f));
writeFileSync(join(dir, 'package.json'), '{"type": "module"}\n');
after(() => rmSync(dir, { recursive: true, force: true }));

const { SseParser } = await import(join(dir, 'sse.js'));
const { layout, parseDepends } = await import(join(dir, 'depgraph.js'));
const { can } = await import(join(dir, 'roles.js'));
const { seg } = await import(join(dir, 'api.js'));

function parse(chunks) {
  const out = [];
  const p = new SseParser((e) => out.push(e));
  for (const c of chunks) p.push(c);
  return out;
}

test('SSE: one event per blank line, comments skipped', () => {
  const got = parse([': keepalive\n\ndata: {"a":1}\n\n: keepalive\n\ndata: {"b":2}\n\n']);
  assert.deepEqual(got.map((e) => e.data), ['{"a":1}', '{"b":2}']);
  assert.equal(got[0].type, 'message');
});

test('SSE: any cut between chunks, \\r\\n and \\r line ends', () => {
  const text = 'data: {"x":"a b"}\r\n\r\nevent: log\rdata: one\rdata: two\r\rdata:nospace\n\n';
  const whole = parse([text]);
  assert.deepEqual(whole.map((e) => [e.type, e.data]),
                   [['message', '{"x":"a b"}'], ['log', 'one\ntwo'], ['message', 'nospace']]);
  for (let i = 1; i < text.length; i++) {
    assert.deepEqual(parse([text.slice(0, i), text.slice(i)]), whole, `cut at ${i}`);
  }
  assert.deepEqual(parse([...text]), whole, 'a character at a time');
});

test('SSE: an event not yet ended is held back', () => {
  assert.deepEqual(parse(['data: {"half":']), []);
  assert.deepEqual(parse(['data: x\n']), []);
});

test('depends: names, and which are alternatives', () => {
  assert.deepEqual(parseDepends(''), []);
  assert.deepEqual(parseDepends(null), []);
  assert.deepEqual(parseDepends('db'), [{ name: 'db', alternative: false }]);
  assert.deepEqual(parseDepends('ip and (db1 or db2)'), [
    { name: 'ip', alternative: false }, { name: 'db1', alternative: true }, { name: 'db2', alternative: true }]);
  assert.deepEqual(parseDepends('(a OR b) AND c'), [
    { name: 'a', alternative: true }, { name: 'b', alternative: true }, { name: 'c', alternative: false }]);
  // Needed outright somewhere: not an alternative.
  assert.deepEqual(parseDepends('a and (a or b)'), [{ name: 'a', alternative: false }, { name: 'b', alternative: true }]);
  assert.deepEqual(parseDepends('x.y-z_1'), [{ name: 'x.y-z_1', alternative: false }]);
});

test('layout: layers by dependency depth, dependencies below', () => {
  const L = layout([{ name: 'front', depends: 'app' }, { name: 'app', depends: 'db and (ip1 or ip2)' },
                    { name: 'db' }, { name: 'ip1' }, { name: 'ip2' }, { name: 'lone' }]);
  const at = Object.fromEntries(L.nodes.map((n) => [n.name, n]));
  assert.equal(L.nodes.length, 6);
  assert.deepEqual(['db', 'ip1', 'ip2', 'lone'].map((n) => at[n].layer), [0, 0, 0, 0]);
  assert.equal(at.app.layer, 1);
  assert.equal(at.front.layer, 2);
  assert.ok(at.front.y < at.app.y && at.app.y < at.db.y, 'dependents above what they need');
  assert.deepEqual(L.edges.map((e) => `${e.from}>${e.to}${e.alternative ? '?' : ''}`).sort(),
                   ['app>db', 'app>ip1?', 'app>ip2?', 'front>app']);
  for (const a of L.nodes) {
    assert.ok(a.x >= 0 && a.y >= 0 && a.x < L.width && a.y < L.height, `${a.name} inside the drawing`);
    for (const b of L.nodes) {
      if (a !== b) assert.ok(a.x !== b.x || a.y !== b.y, `${a.name} and ${b.name} at one place`);
    }
  }
});

test('layout: a name that is no resource of the group, a cycle, nothing', () => {
  const L = layout([{ name: 'a', depends: 'elsewhere' }, { name: 'b', depends: 'c' }, { name: 'c', depends: 'b' }]);
  assert.equal(L.nodes.length, 3);
  assert.ok(!L.edges.some((e) => e.to === 'elsewhere'));
  assert.equal(layout([]).nodes.length, 0);
});

test('roles: read nothing, operator operations, admin everything', () => {
  const ops = ['group-online', 'group-offline', 'group-move', 'node-pause', 'node-resume', 'node-drain',
               'resource-online', 'resource-offline', 'resource-fail'];
  const props = ['group-properties', 'resource-properties', 'cluster-properties'];
  for (const a of [...ops, ...props]) {
    assert.equal(can('read', a), false, a);
    assert.equal(can('operator', a), ops.includes(a), a);
    assert.equal(can('admin', a), true, a);
    assert.equal(can('nobody', a), false, a);
  }
  assert.throws(() => can('admin', 'no-such-action'));
});

test('path segments: every name character safe, dots too', () => {
  assert.equal(seg('web'), 'web');
  assert.equal(seg('a.b'), 'a%2Eb');
  assert.equal(seg('..'), '%2E%2E');
  assert.equal(seg('x/y?z#'), 'x%2Fy%3Fz%23');
  assert.equal(seg('ocf:heartbeat:Dummy'), 'ocf%3Aheartbeat%3ADummy');
});
