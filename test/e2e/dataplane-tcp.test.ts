// mode tcp against HAProxy 2.6's accounting and timers: a redispatched connection is one
// backend session, a retry on the same server waits min(timeout connect, 1s) first, and two
// idle sides are closed at the shorter of timeout client and timeout server.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { statsRow, waitFor } from './dataplane-helpers.js';

const [REDIS, RETRY, IDLE, ST, LIVE, DEAD] = await freePorts(6);
let sy: Running;
let live: net.Server;
let liveConns = 0;

before(async () => {
  // Echoes, so a relayed connection shows it reached the live server.
  live = net.createServer((s) => {
    liveConns++;
    s.on('error', () => {});
    s.on('data', (d) => s.write(d));
  });
  await new Promise<void>((r) => live.listen(LIVE!, '127.0.0.1', r));
  sy = await startSwitchyard(
    `defaults
    mode tcp
    timeout connect 200ms
    timeout client 5s
    timeout server 5s
    retries 2
frontend redis_fe
    bind 127.0.0.1:${REDIS}
    default_backend redis
frontend retry_fe
    bind 127.0.0.1:${RETRY}
    default_backend retry
frontend idle_fe
    bind 127.0.0.1:${IDLE}
    default_backend idle
backend redis
    balance roundrobin
    option redispatch
    server dead 127.0.0.1:${DEAD}
    server live 127.0.0.1:${LIVE}
backend retry
    server dead 127.0.0.1:${DEAD}
backend idle
    timeout server 300ms
    server live 127.0.0.1:${LIVE}
listen stats
    mode http
    bind 127.0.0.1:${ST}
    stats enable
    stats uri /stats
`,
    [REDIS!, RETRY!, IDLE!, ST!],
  );
});

after(async () => {
  await sy?.stop();
  await new Promise((r) => live.close(r));
});

/** Connect, send `ping`, resolve with what came back and how long until the close. */
function exchange(port: number): Promise<{ got: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    s.on('error', () => {});
    s.on('data', (d) => {
      got += d;
      if (got === 'ping') s.end();
    });
    s.on('close', () => resolve({ got, ms: Date.now() - t0 }));
    s.write('ping');
  });
}

// Counters are compared before and after: the harness's readiness probe is a connection too.
async function counters(px: string, sv: string): Promise<Record<string, number>> {
  await waitFor(async () => Number((await statsRow(ST!, px, 'BACKEND')).scur) === 0, `${px} sessions to end`);
  const row = await statsRow(ST!, px, sv);
  return Object.fromEntries(['stot', 'wredis', 'wretr', 'econ'].map((k) => [k, Number(row[k])]));
}

function delta(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(a).map((k) => [k, b[k]! - a[k]!]));
}

test('a connection redispatched from a dead server to a live one is one backend session', async () => {
  const be0 = await counters('redis', 'BACKEND');
  const live0 = await counters('redis', 'live');
  for (let i = 0; i < 6; i++) assert.equal((await exchange(REDIS!)).got, 'ping', `connection ${i}`);
  const be = delta(be0, await counters('redis', 'BACKEND'));
  assert.equal(be.stot, 6, `backend sessions: ${JSON.stringify(be)}`);
  assert.equal(delta(live0, await counters('redis', 'live')).stot, 6);
  assert.ok(be.wredis! >= 1, `wredis ${be.wredis}`);
  assert.equal(be.econ, 0);
});

test('retries on the same server wait min(timeout connect, 1s) each, then econ', async () => {
  const sv0 = await counters('retry', 'dead');
  const be0 = await counters('retry', 'BACKEND');
  const { got, ms } = await exchange(RETRY!);
  assert.equal(got, '');
  // Three attempts refused at once, two waits of 200 ms between them (the data-plane clock is
  // coarse, 50 ms: each wait may end up to that much early).
  assert.ok(ms >= 300, `closed after ${ms} ms, before two turn-around waits`);
  const sv = delta(sv0, await counters('retry', 'dead'));
  assert.deepEqual(sv, { stot: 3, wredis: 0, wretr: 2, econ: 1 }, 'each attempt is a server session');
  assert.equal(delta(be0, await counters('retry', 'BACKEND')).stot, 1);
});

test('two idle sides are closed at the shorter timeout (server 300ms, client 5s)', async () => {
  const before = liveConns;
  const t0 = Date.now();
  const s = net.connect(IDLE!, '127.0.0.1');
  s.on('error', () => {});
  let closed = 0;
  s.on('close', () => (closed = Date.now()));
  await waitFor(() => liveConns > before, 'the relayed connection');
  await waitFor(() => closed > 0, 'the idle close', 4000);
  assert.ok(closed - t0 >= 250, `closed after ${closed - t0} ms`);
});
