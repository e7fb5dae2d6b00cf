// http-reuse: under `safe` (the default) the first request of every client connection gets a
// server connection of its own, later requests may take idle ones; `always` lets first
// requests reuse too. Counted as TCP connections on the test backends.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { echoBackend } from './dataplane-helpers.js';

const [SAFE, ALWAYS, A, B] = await freePorts(4);
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
frontend safe
    bind 127.0.0.1:${SAFE}
    default_backend safe
frontend always
    bind 127.0.0.1:${ALWAYS}
    default_backend always
backend safe
    server a 127.0.0.1:${A}
backend always
    http-reuse always
    server b 127.0.0.1:${B}
`,
    [SAFE!, ALWAYS!],
  );
});

after(async () => {
  await sy?.stop();
  await Promise.all(backends.map((b) => b.close()));
});

/** One client connection sending `n` requests one after the other; resolves after the last answer. */
function clientConnection(port: number, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let sent = 0;
    const next = (): void => {
      sent++;
      s.write(`GET /r/${sent} HTTP/1.1\r\nhost: x\r\n\r\n`);
    };
    s.on('error', reject);
    s.on('data', (d) => {
      got += d;
      if ((got.match(/HTTP\/1\.1 200/g) ?? []).length < sent) return;
      if (sent < n) return next();
      s.destroy();
      resolve();
    });
    next();
  });
}

test('http-reuse safe: each client connection opens its own server connection for its first request', async () => {
  const [backend] = backends;
  const before = backend!.connections();
  // One after the other: an idle server connection is always there to take, and must not be.
  for (let i = 0; i < 5; i++) await clientConnection(SAFE!, 3);
  assert.equal(backend!.connections() - before, 5);
});

test('http-reuse always: first requests take idle server connections too', async () => {
  const backend = backends[1]!;
  const before = backend.connections();
  for (let i = 0; i < 5; i++) await clientConnection(ALWAYS!, 3);
  assert.equal(backend.connections() - before, 1);
});
