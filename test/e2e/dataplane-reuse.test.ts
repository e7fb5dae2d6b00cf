// http-reuse: under `safe` (the default) a client connection's first request takes an idle
// server connection only when it could be replayed (idempotent, no body); a first POST gets
// one of its own; `always` lets every request reuse. Counted as TCP connections on the backends.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { readdirSync } from 'node:fs';
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

/** One client connection: a first request (POST with a body when `post`), then `n - 1` GETs. */
function clientConnection(port: number, n: number, post: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let sent = 0;
    const next = (): void => {
      sent++;
      s.write(sent === 1 && post ? 'POST /first HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\n\r\nhello' : `GET /r/${sent} HTTP/1.1\r\nhost: x\r\n\r\n`);
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

test('http-reuse safe: a first POST opens a server connection of its own, a first GET may reuse', async () => {
  const [backend] = backends;
  const before = backend!.connections();
  // One after the other: an idle server connection is always there to take.
  for (let i = 0; i < 5; i++) await clientConnection(SAFE!, 3, true);
  assert.equal(backend!.connections() - before, 5, 'first POSTs');
  const mid = backend!.connections();
  for (let i = 0; i < 5; i++) await clientConnection(SAFE!, 3, false);
  assert.equal(backend!.connections() - mid, 0, 'first GETs reuse');
});

test('http-reuse always: a first POST takes an idle server connection too', async () => {
  const backend = backends[1]!;
  const before = backend.connections();
  for (let i = 0; i < 5; i++) await clientConnection(ALWAYS!, 3, true);
  assert.equal(backend.connections() - before, 1);
});

test('idle server connections nobody may take are capped (256 per server), not piled up', async () => {
  const fds = (): number => readdirSync(`/proc/${sy.proc.pid}/fd`).length;
  // The listeners' extra descriptors arrive in the background after startup: let them land.
  let base = fds();
  for (let i = 0, still = 0; i < 100 && still < 5; i++) {
    await new Promise((r) => setTimeout(r, 100));
    still = fds() === base ? still + 1 : 0;
    base = fds();
  }
  // 320 client connections whose only request is a POST: each leaves one idle server connection.
  for (let i = 0; i < 320; i++) await clientConnection(SAFE!, 1, true);
  const grown = fds() - base;
  assert.ok(grown <= 256 + 8, `${grown} more fds after 320 first POSTs`);
  assert.ok(grown >= 200, `${grown}: the idle connections were kept for reuse`);
});
