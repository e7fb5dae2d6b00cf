// Whatever a denied client sends, no server state changes: generated admin POSTs to the stats
// page from a source `stats admin` refuses, and generated command lines on a `level user`
// stats socket. State is read before and after from `;csv` and `show servers state`.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { freePort } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { basic, csvState, request, socketCommand, until } from './admin-helpers.js';
import { fuzzSeed } from './http-fuzz-helpers.js';

const AUTH = basic('admin', 'S3cr3t-deny-9Wv');
const SERVERS = Array.from({ length: 24 }, (_, i) => `web${i + 1}`);
const BACKENDS = ['app', 'other'];
const ACTIONS = ['ready', 'drain', 'maint', 'dhlth', 'ehlth', 'hrunn', 'hnolb', 'hdown', 'dagent', 'eagent', 'arunn', 'adown', 'shutdown', 'disable', 'enable', 'stop', 'start'];

interface Setup {
  sy: Running;
  port: number;
  userSock: string;
  adminSock: string;
}

async function setup(t: { after(fn: () => unknown): void }): Promise<Setup> {
  const port = await freePort();
  const userSock = path.join(tmpdir(), `switchyard-deny-user-${process.pid}-${port}.sock`);
  const adminSock = path.join(tmpdir(), `switchyard-deny-admin-${process.pid}-${port}.sock`);
  const servers = (be: string) => SERVERS.map((s, i) => `  server ${s} 127.0.0.1:${10_000 + i} weight ${i + 1}${be === 'other' && i % 2 ? ' backup' : ''}\n`).join('');
  const cfg = `global
  stats socket ${userSock} level user
  stats socket ${adminSock} level admin
defaults
  mode http
  timeout connect 2s
  timeout client 10s
  timeout server 10s
listen stats
  bind 127.0.0.1:${port}
  stats enable
  stats uri /stats
  stats auth admin:S3cr3t-deny-9Wv
  stats admin if { src 127.0.0.2 }
backend app
${servers('app')}backend other
${servers('other')}`;
  const sy = await startSwitchyard(cfg, [port]);
  t.after(() => sy.stop());
  await until('the user socket', async () => (await socketCommand(userSock, 'show cli level').catch(() => '')) === 'user\n\n');
  return { sy, port, userSock, adminSock };
}

/** `show servers state` without srv_time_since_last_change (column 10), which only ages. */
async function serversState(sock: string): Promise<string> {
  const text = await socketCommand(sock, 'show servers state');
  return text
    .split('\n')
    .map((l) => (/^\d/.test(l) ? l.split(' ').filter((_, i) => i !== 9).join(' ') : l))
    .join('\n');
}

async function state(s: Setup): Promise<[string[], string]> {
  return [await csvState(s.port, AUTH), await serversState(s.adminSock)];
}

const name = fc.oneof(fc.constantFrom(...SERVERS, ...BACKENDS, '#1', '#2', '#3', '#4', ''), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 }));
const field = fc.oneof(
  fc.tuple(fc.constant('s'), name),
  fc.tuple(fc.constant('b'), fc.oneof(fc.constantFrom(...BACKENDS, '#3', '#4', '#99'), name)),
  fc.tuple(fc.constant('action'), fc.oneof(fc.constantFrom(...ACTIONS), name)),
  fc.tuple(fc.string({ maxLength: 8 }), name),
);
const body = fc.oneof(
  { weight: 6, arbitrary: fc.array(field, { maxLength: 40 }).map((fs) => fs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')) },
  // every server of a backend, fields duplicated, the action given twice
  { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...ACTIONS), fc.constantFrom(...BACKENDS)).map(([a, b]) => [...SERVERS, ...SERVERS].map((s) => `s=${s}`).join('&') + `&action=drain&action=${a}&b=${b}&b=${b}`) },
  // past tune.bufsize
  { weight: 1, arbitrary: fc.integer({ min: 20_000, max: 300_000 }).map((n) => `s=web1&action=maint&b=app&pad=${'x'.repeat(n)}`) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a).toString('latin1')) },
);

test('POSTs from a source `stats admin` denies never change state (fast-check, 120 bodies)', async (t) => {
  const s = await setup(t);
  const before = await state(s);
  const codes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(body, async (b) => {
      const r = await request(s.port, '/stats', { auth: AUTH, method: 'POST', body: Buffer.from(b, 'latin1') });
      const code = r.status === 303 ? /;st=([A-Z]{4})/.exec(String(r.headers.location))?.[1] ?? '?' : String(r.status);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      // refused before the body is even read as a form (or too large to be one)
      assert.ok(code === 'DENY' || code === 'EXCD' || code === '413' || code === '400', `answer ${code} to a denied POST`);
    }),
    { numRuns: 120 },
  );
  assert.ok((codes.get('DENY') ?? 0) > 50, JSON.stringify([...codes]));
  assert.deepEqual(await state(s), before);

  // the comparison does see a change: the same form from the allowed source acts
  const ok = await request(s.port, '/stats', { auth: AUTH, method: 'POST', body: 's=web3&action=maint&b=app', localAddress: '127.0.0.2' });
  assert.match(String(ok.headers.location), /;st=DONE/);
  assert.notDeepEqual(await state(s), before);
});

const word = fc.oneof(
  fc.constantFrom('set', 'enable', 'disable', 'shutdown', 'clear', 'add', 'del', 'show', 'operator', 'admin', 'user', 'prompt', 'experimental-mode', 'expert-mode', 'on', 'off'),
  fc.constantFrom('server', 'servers', 'health', 'agent', 'weight', 'maxconn', 'state', 'frontend', 'backend', 'sessions', 'counters', 'all', 'addr', 'check-port', 'agent-send', 'ssl', 'dynamic-cookie-key'),
  fc.constantFrom('maint', 'drain', 'ready', 'up', 'down', 'stopping', '0', '0%', '1', '100', '256', '127.0.0.9', '-1', 'stats'),
  fc.constantFrom(...SERVERS.slice(0, 4).flatMap((sv) => BACKENDS.map((be) => `${be}/${sv}`)), 'app', 'other', '#3/1', 'app/#1'),
  fc.string({ maxLength: 10 }).map((w) => w.replace(/[\n]/g, ' ')),
);
const command = fc.array(word, { minLength: 1, maxLength: 7 }).map((ws) => ws.join(' '));
const line = fc.oneof(
  { weight: 6, arbitrary: command },
  // several commands on one line, some escaped separators, a level change on the way
  { weight: 3, arbitrary: fc.array(command, { minLength: 2, maxLength: 4 }).map((cs) => cs.join('; ')) },
  { weight: 1, arbitrary: fc.tuple(command, command).map(([a, b]) => `${a} \\; ${b}`) },
  { weight: 1, arbitrary: fc.integer({ min: 1000, max: 100_000 }).map((n) => `set server app/web1 state maint ${'x'.repeat(n)}`) },
);

test('command lines on a `level user` socket never change state (fast-check, 200 lines)', async (t) => {
  const s = await setup(t);
  const before = await state(s);
  // the obvious ones first, then generated ones
  for (const l of ['set server app/web1 state maint', 'disable server app/web2', 'set weight app/web3 0', 'admin', 'operator; set server app/web1 state drain', 'shutdown sessions server app/web1', 'set server app/web4 addr 127.0.0.9', 'disable health app/web1', 'set maxconn server app/web1 1']) {
    assert.match(await socketCommand(s.userSock, l), /Permission denied|Unknown command|not allowed|^\n*$/i, l);
  }
  let denied = 0;
  await fc.assert(
    fc.asyncProperty(line, async (l) => {
      // a line longer than the buffer is cut off with the connection, as in HAProxy
      const reply = await socketCommand(s.userSock, l).catch((e: NodeJS.ErrnoException) => {
        if (l.length > 16_000 && (e.code === 'ECONNRESET' || e.code === 'EPIPE')) return '';
        throw e;
      });
      if (/Permission denied/.test(reply)) denied++;
    }),
    { numRuns: 200, seed: fuzzSeed('level-user lines') },
  );
  // 200 generated lines reach 8-22 permission checks (measured over ten seeds): at least a few
  // must, or the generator no longer produces commands that matter.
  assert.ok(denied >= 3, `only ${denied} lines reached a permission check`);
  assert.deepEqual(await state(s), before);

  // the comparison does see a change: the same command on the admin socket acts
  await socketCommand(s.adminSock, 'set server app/web1 state maint');
  assert.notDeepEqual(await state(s), before);
});
