// Load-balancing weights and leastconn through the real data plane, and frontend maxconn:
// excess clients wait instead of being dropped.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { echoBackend, get, waitFor } from './dataplane-helpers.js';

const [FE, LIM, LC, A, B, HA, HB] = await freePorts(7);
let sy: Running;
const backends: Awaited<ReturnType<typeof echoBackend>>[] = [];
// leastconn backends: /hold requests wait until released, others answer at once.
const held: http.ServerResponse[] = [];
const holders: http.Server[] = [];

async function holdingBackend(port: number): Promise<void> {
  const server = http.createServer((req, res) => {
    if (req.url?.startsWith('/hold')) held.push(res);
    else res.end(String(port));
  });
  holders.push(server);
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
}

before(async () => {
  backends.push(await echoBackend(A!), await echoBackend(B!));
  await holdingBackend(HA!);
  await holdingBackend(HB!);
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
frontend lc
    bind 127.0.0.1:${LC}
    default_backend least
backend least
    balance leastconn
    server ha 127.0.0.1:${HA}
    server hb 127.0.0.1:${HB}
backend app
    balance roundrobin
    server a 127.0.0.1:${A} weight 1
    server b 127.0.0.1:${B} weight 3
`,
    [FE!, LC!],
  );
});

after(async () => {
  await sy?.stop();
  await Promise.all(backends.map((b) => b.close()));
  for (const r of held) r.destroy();
  for (const h of holders) {
    h.closeAllConnections();
    h.close();
  }
});

test('roundrobin with weights 1:3 splits 400 requests 100:300', async () => {
  const counts = new Map<number, number>();
  for (let i = 0; i < 400; i++) {
    const port = JSON.parse((await get(FE!, `/rr/${i}`)).body).port as number;
    counts.set(port, (counts.get(port) ?? 0) + 1);
  }
  // Within 2% of each share (smooth weighted round-robin gives it exactly).
  assert.ok(Math.abs((counts.get(A!) ?? 0) - 100) <= 2, `a got ${counts.get(A!)}`);
  assert.ok(Math.abs((counts.get(B!) ?? 0) - 300) <= 6, `b got ${counts.get(B!)}`);
});

test('leastconn sends new requests to the idle server while the other holds sessions', async () => {
  // Two long requests: leastconn puts one on each server.
  const longOnes = [get(LC!, '/hold/1'), get(LC!, '/hold/2')];
  await waitFor(() => held.length === 2, 'two held requests');
  // A third long one goes to either; the server now holding two is the busy one.
  const third = get(LC!, '/hold/3');
  await waitFor(() => held.length === 3, 'third held request');
  const busyPort = held.filter((r) => r.req.socket.localPort === HA).length === 2 ? HA : HB;
  const idlePort = busyPort === HA ? HB : HA;
  for (let i = 0; i < 20; i++) assert.equal((await get(LC!, `/quick/${i}`)).body, String(idlePort), `quick request ${i} went to the busy server`);
  for (const r of held.splice(0)) r.end('done');
  await Promise.all([...longOnes, third]);
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
