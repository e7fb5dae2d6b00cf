import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyServerEvent } from '../../src/core/apply.js';
import type { Server } from '../../src/core/server.js';
import { BASE, runtimeFrom } from './fixture.js';

function backend(balance: string, servers: string, options = '') {
  const rt = runtimeFrom(`${BASE}backend app\n  balance ${balance}\n${options}${servers}`);
  const app = rt.backend('app')!;
  return { app, lb: app.balancer!, s: (n: string) => app.serversByName.get(n)! };
}

function tally(pick: () => Server | undefined, n: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const s = pick();
    const k = s?.name ?? 'none';
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

const key = { src: '127.0.0.1' };

test('roundrobin weights 1:3 over 400 picks give 100:300 within 2%', () => {
  const { lb } = backend('roundrobin', '  server a 127.0.0.1:1 weight 1\n  server b 127.0.0.1:2 weight 3\n');
  const t = tally(() => lb.pick(key), 400);
  assert.ok(Math.abs(t.a! - 100) <= 8 && Math.abs(t.b! - 300) <= 8, JSON.stringify(t));
});

test('roundrobin follows weight changes at run time and skips drained servers', () => {
  const { lb, s } = backend('roundrobin', '  server a 127.0.0.1:1\n  server b 127.0.0.1:2\n');
  applyServerEvent(s('a'), { type: 'weight', weight: 3 }, Date.now());
  const t = tally(() => lb.pick(key), 400);
  assert.equal(t.a, 300);
  applyServerEvent(s('a'), { type: 'admin', action: 'drain' }, Date.now());
  assert.deepEqual(tally(() => lb.pick(key), 10), { b: 10 });
  applyServerEvent(s('b'), { type: 'admin', action: 'maint' }, Date.now());
  assert.equal(lb.pick(key), undefined);
});

test('static-rr alternates evenly', () => {
  const { lb } = backend('static-rr', '  server a 127.0.0.1:1\n  server b 127.0.0.1:2\n');
  assert.deepEqual(tally(() => lb.pick(key), 10), { a: 5, b: 5 });
});

test('leastconn prefers the idle server', () => {
  const { lb, s } = backend('leastconn', '  server a 127.0.0.1:1\n  server b 127.0.0.1:2\n');
  lb.taken(s('a'));
  lb.taken(s('a'));
  lb.taken(s('b'));
  assert.equal(lb.pick(key), s('b'));
  lb.taken(s('b'));
  lb.taken(s('b'));
  assert.equal(lb.pick(key), s('a'));
  lb.released(s('a'));
  lb.released(s('a'));
  assert.equal(s('a').served, 0);
});

test('first fills the lowest id up to its maxconn, then the next', () => {
  const { lb, s } = backend('first', '  server a 127.0.0.1:1 maxconn 2\n  server b 127.0.0.1:2 maxconn 2\n');
  const got: string[] = [];
  for (let i = 0; i < 4; i++) {
    const p = lb.pick(key)!;
    lb.taken(p);
    got.push(p.name);
  }
  assert.deepEqual(got, ['a', 'a', 'b', 'b']);
  assert.equal(lb.pick(key), undefined, 'all full: the caller queues');
  lb.released(s('a'));
  assert.equal(lb.pick(key), s('a'));
});

test('a server at maxconn is skipped by roundrobin', () => {
  const { lb, s } = backend('roundrobin', '  server a 127.0.0.1:1 maxconn 1\n  server b 127.0.0.1:2\n');
  lb.taken(s('a'));
  assert.deepEqual(tally(() => lb.pick(key), 6), { b: 6 });
});

test('source and uri hash stick to one server; hdr falls back to round-robin without the header', () => {
  const src = backend('source', '  server a 127.0.0.1:1\n  server b 127.0.0.1:2\n  server c 127.0.0.1:3\n');
  const first = src.lb.pick({ src: '10.0.0.7' });
  for (let i = 0; i < 20; i++) assert.equal(src.lb.pick({ src: '10.0.0.7' }), first);
  const seen = new Set([...Array(50).keys()].map((i) => src.lb.pick({ src: `10.0.0.${i}` })!.name));
  assert.equal(seen.size, 3);
  const uri = backend('uri', '  server a 127.0.0.1:1\n  server b 127.0.0.1:2\n');
  const u = uri.lb.pick({ src: 'x', uri: '/img/1.png?x=1' });
  assert.equal(uri.lb.pick({ src: 'y', uri: '/img/1.png?y=2' }), u);
  const hdr = backend('hdr(host)', '  server a 127.0.0.1:1\n  server b 127.0.0.1:2\n');
  const h = hdr.lb.pick({ src: 'x', header: (n) => (n === 'host' ? 'example.com' : undefined) });
  for (let i = 0; i < 5; i++) assert.equal(hdr.lb.pick({ src: 'x', header: (n) => (n === 'host' ? 'example.com' : undefined) }), h);
  assert.deepEqual(tally(() => hdr.lb.pick({ src: 'x', header: () => undefined }), 4), { a: 2, b: 2 });
});

test('random spreads over usable servers only', () => {
  const { lb, s } = backend('random', '  server a 127.0.0.1:1\n  server b 127.0.0.1:2\n  server c 127.0.0.1:3\n');
  applyServerEvent(s('c'), { type: 'admin', action: 'maint' }, Date.now());
  const t = tally(() => lb.pick(key), 200);
  assert.equal(t.c, undefined);
  assert.ok(t.a! > 0 && t.b! > 0);
});

test('backup servers only when no active server is usable: first backup, or all with allbackups', () => {
  const servers = '  server a 127.0.0.1:1\n  server b1 127.0.0.1:2 backup\n  server b2 127.0.0.1:3 backup\n';
  const one = backend('roundrobin', servers);
  assert.deepEqual(tally(() => one.lb.pick(key), 4), { a: 4 });
  applyServerEvent(one.s('a'), { type: 'force-health', to: 'down' }, Date.now());
  assert.deepEqual(tally(() => one.lb.pick(key), 4), { b1: 4 });
  const all = backend('roundrobin', servers, '  option allbackups\n');
  applyServerEvent(all.s('a'), { type: 'admin', action: 'maint' }, Date.now());
  assert.deepEqual(tally(() => all.lb.pick(key), 4), { b1: 2, b2: 2 });
});

test('exclude skips the server being retried away from', () => {
  const { lb, s } = backend('roundrobin', '  server a 127.0.0.1:1\n  server b 127.0.0.1:2\n');
  for (let i = 0; i < 4; i++) assert.equal(lb.pick(key, s('a')), s('b'));
});
