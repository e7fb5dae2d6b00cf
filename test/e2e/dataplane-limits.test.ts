// Load-balancing weights through the real data plane, and frontend maxconn: excess clients
// wait instead of being dropped.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { echoBackend, get, waitFor } from './dataplane-helpers.js';

const [FE, LIM, A, B] = await freePorts(4);
let sy: Running;
const backends: Awaited<ReturnType<typeof echoBackend>>[] = [];

before(async () => {
  backends.push(await echoBackend(A!), await echoBackend(B!));
  sy = await startSwitchyard(
    `defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend web
    bind 127.0.0.1:${FE}
    default_backend app
frontend limited
    bind 127.0.0.1:${LIM}
    maxconn 1
    default_backend app
backend app
    balance roundrobin
    server a 127.0.0.1:${A} weight 1
    server b 127.0.0.1:${B} weight 3
`,
    [FE!],
  );
});

after(async () => {
  await sy?.stop();
  await Promise.all(backends.map((b) => b.close()));
});

test('roundrobin with weights 1:3 splits 400 requests 100:300', async () => {
  const counts = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    const port = JSON.parse((await get(FE!, `/rr/${i}`)).body).port as number;
    counts.set(port, (counts.get(port) ?? 0) + 1);
  }
  assert.ok(Math.abs((counts.get(A!) ?? 0) - 100) <= 8, `a got ${counts.get(A!)}`);
  assert.ok(Math.abs((counts.get(B!) ?? 0) - 300) <= 8, `b got ${counts.get(B!)}`);
});

test('a client over the frontend maxconn waits and is served once a slot frees', async () => {
  const first = net.connect(LIM!, '127.0.0.1');
  let firstGot = '';
  first.on('data', (d) => (firstGot += d));
  first.write('GET /one HTTP/1.1\r\nhost: x\r\n\r\n');
  await waitFor(() => firstGot.includes('/one'), 'first response');
  const second = net.connect(LIM!, '127.0.0.1');
  let secondGot = '';
  let secondClosed = false;
  second.on('data', (d) => (secondGot += d));
  second.on('close', () => (secondClosed = true));
  second.write('GET /two HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(secondGot, '', 'the second client must wait while the first holds the only slot');
  assert.equal(secondClosed, false, 'the second client must not be dropped');
  first.end();
  await waitFor(() => secondGot.includes('/two'), 'second response after the slot freed');
  second.destroy();
  first.destroy();
});
