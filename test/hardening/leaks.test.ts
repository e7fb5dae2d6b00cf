// Connection floods, half-open clients and resets at every phase of an exchange, against the
// real binary. After each batch the process must come back to its baseline: open fds (from
// /proc) within a small slack and no current session in the stats CSV. maxconn must hold
// while the excess waits instead of being dropped.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { get, rawExchange, statsRows } from '../e2e/dataplane-helpers.js';
import { fdCount, settled, sleep } from './proc.js';

const MAXCONN = 20;
const FD_SLACK = 2;
const [FE, FLOOD, OTHER, STATS, PIPE, BE, COUNTED, RST, RSTA, RAW] = await freePorts(10);

/** The http backend: /hold answers a head and part of the body and then waits; the rest echo. */
const held = new Set<http.ServerResponse>();
const app = http.createServer((req, res) => {
  if (req.url!.endsWith('/hold')) {
    res.writeHead(200, { 'content-length': 1 << 20 });
    res.write(Buffer.alloc(16 * 1024, 'h'));
    held.add(res);
    res.on('close', () => held.delete(res));
    return;
  }
  let n = 0;
  req.on('data', (d: Buffer) => (n += d.length));
  req.on('end', () => res.end(`got ${n}`));
});
// Pooled server connections are closed by the server soon after, so pools drain between batches.
app.keepAliveTimeout = 300;

/** The backend behind the maxconn frontend: counts requests in flight and holds each a moment. */
let inFlight = 0;
let maxInFlight = 0;
let counted = 0;
const countedApp = http.createServer((_req, res) => {
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  setTimeout(() => {
    inFlight--;
    counted++;
    res.end('ok');
  }, 20);
});
countedApp.keepAliveTimeout = 300;

/** A server that resets its connection at the phase named by the request path. */
const rawSockets = new Set<net.Socket>();
const track = (s: net.Socket): void => {
  rawSockets.add(s);
  s.on('close', () => rawSockets.delete(s));
  s.on('error', () => {});
};
const resetLater = (s: net.Socket, data: string): void => {
  // Let the bytes reach the proxy before the reset overtakes them.
  s.write(data, 'latin1', () => setTimeout(() => s.resetAndDestroy(), 30));
};
const rstServer = net.createServer((s) => {
  track(s);
  s.once('data', (d: Buffer) => {
    const path = d.toString('latin1').split(' ')[1];
    if (path === '/rst-head') s.resetAndDestroy();
    else if (path === '/rst-midhead') resetLater(s, 'HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\nx-fill: ' + 'f'.repeat(100));
    else resetLater(s, `HTTP/1.1 200 OK\r\ncontent-length: 10000\r\n\r\n${'b'.repeat(100)}`);
  });
});
// A reset before reading anything needs its own listener: the request is never looked at.
const acceptRstServer = net.createServer((s) => {
  s.on('error', () => {});
  s.resetAndDestroy();
});

/** The tcp backend: `srv-first` gets `bye` and a FIN at once, then what the client still sends
 * is read (after a pause, so it piles up in the proxy) and counted in `lateBytes`; anything
 * else is read to the client's FIN and answered `got <n>` (or 4 MB for `big`) and a FIN;
 * `rst-me` gets a few bytes and a reset. */
let lateBytes = 0;
const BIG_REPLY = Buffer.alloc(4 << 20, 'r');
const raw = net.createServer({ allowHalfOpen: true }, (s) => {
  track(s);
  let n = 0;
  let serverFirst = false;
  let big = false;
  s.on('data', (d: Buffer) => {
    if (n === 0 && d.toString('latin1').startsWith('big')) big = true;
    if (n === 0 && d.toString('latin1').startsWith('rst-me')) return resetLater(s, 'partial');
    if (n === 0 && !serverFirst && d.toString('latin1').startsWith('srv-first')) {
      serverFirst = true;
      s.end('bye');
      s.pause();
      setTimeout(() => s.resume(), 300);
      return;
    }
    if (serverFirst) lateBytes += d.length;
    else n += d.length;
  });
  s.on('end', () => {
    if (!serverFirst) s.end(big ? BIG_REPLY : `got ${n}`);
  });
});

let sy: Running;
let pid = 0;
let baseFds = 0;
const clients = new Set<net.Socket>();

before(async () => {
  await new Promise<void>((r) => app.listen(BE, '127.0.0.1', r));
  await new Promise<void>((r) => countedApp.listen(COUNTED, '127.0.0.1', r));
  await new Promise<void>((r) => rstServer.listen(RST, '127.0.0.1', r));
  await new Promise<void>((r) => acceptRstServer.listen(RSTA, '127.0.0.1', r));
  await new Promise<void>((r) => raw.listen(RAW, '127.0.0.1', r));
  sy = await startSwitchyard(
    `defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    timeout http-request 5s
    timeout http-keep-alive 1s
frontend web
    bind 127.0.0.1:${FE}
    use_backend rsta if { path_beg /rst-accept }
    use_backend rst if { path_beg /rst- }
    use_backend queued if { path_beg /queued }
    default_backend app
frontend flood
    bind 127.0.0.1:${FLOOD}
    maxconn ${MAXCONN}
    default_backend counted
frontend other
    bind 127.0.0.1:${OTHER}
    default_backend app
frontend stats
    bind 127.0.0.1:${STATS}
    stats enable
    stats uri /stats
frontend pipe
    mode tcp
    bind 127.0.0.1:${PIPE}
    default_backend raw
backend app
    server s1 127.0.0.1:${BE}
backend counted
    server s1 127.0.0.1:${COUNTED}
backend rst
    server s1 127.0.0.1:${RST}
backend queued
    timeout queue 30s
    server s1 127.0.0.1:${BE} maxconn 2
backend rsta
    server s1 127.0.0.1:${RSTA}
backend raw
    mode tcp
    server s1 127.0.0.1:${RAW}
`,
    [FE!, FLOOD!, OTHER!, STATS!, PIPE!],
  );
  pid = sy.proc.pid!;
  // Warm every path once (lazy modules, first pools), then let the process settle.
  assert.equal((await get(FE!, '/warm')).status, 200);
  await statsRows(STATS!);
  await sleep(500);
  baseFds = await settled(() => fdCount(pid), 5, 200);
});

after(async () => {
  for (const c of clients) c.destroy();
  await sy?.stop();
  for (const s of rawSockets) s.destroy();
  for (const res of held) res.destroy();
  app.closeAllConnections();
  countedApp.closeAllConnections();
  await Promise.all([app, countedApp, rstServer, acceptRstServer, raw].map((s) => new Promise((r) => s.close(r))));
});

const WATCHED = ['web', 'flood', 'other', 'pipe', 'app', 'counted', 'rst', 'rsta', 'raw', 'queued'];

async function currentSessions(): Promise<string> {
  const rows = await statsRows(STATS!);
  return rows
    .filter((r) => WATCHED.includes(r.pxname!) && (r.scur !== '0' || Number(r.qcur || 0) > 0))
    .map((r) => `${r.pxname}/${r.svname} scur=${r.scur} qcur=${r.qcur}`)
    .join(', ');
}

/** The leak assertion: fds back to the baseline (± slack) and no current session anywhere watched. */
async function assertBackToBaseline(what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const fds = fdCount(pid);
    const busy = await currentSessions();
    if (fds <= baseFds + FD_SLACK && busy === '') return;
    if (Date.now() > deadline) assert.fail(`${what}: ${fds} fds open against a baseline of ${baseFds}; sessions left: ${busy || 'none'}`);
    await sleep(100);
  }
}

interface Client {
  s: net.Socket;
  got(): string;
  isClosed(): boolean;
  connected: Promise<void>;
}

/** A raw client that records what it receives and whether its socket closed. */
function client(port: number, allowHalfOpen = false): Client {
  const s = net.connect({ port, host: '127.0.0.1', allowHalfOpen });
  clients.add(s);
  let got = '';
  s.on('data', (d) => (got += d.toString('latin1')));
  s.on('error', () => {});
  let closed = false;
  s.on('close', () => {
    closed = true;
    clients.delete(s);
  });
  const connected = new Promise<void>((r) => s.once('connect', () => r()));
  return { s, got: () => got, isClosed: () => closed, connected };
}

function allClosed(list: Client[], what: string): Promise<void> {
  return waitUntil(() => list.every((c) => c.isClosed()), `${what}: ${list.filter((c) => !c.isClosed()).length} of ${list.length} still open`);
}

async function waitUntil(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

test(`maxconn ${MAXCONN} holds under a flood of 300 connections: the excess waits and is served, another frontend stays responsive`, async () => {
  maxInFlight = 0;
  counted = 0;
  const N = 300;
  const QUITTERS = 40;
  const flood: Promise<string>[] = [];
  const quitters: Client[] = [];
  for (let i = 0; i < N; i++) flood.push(rawExchange(FLOOD!, `GET /flood/${i} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`, { timeoutMs: 60_000 }));
  // Some clients give up with a reset while they wait for a slot.
  for (let i = 0; i < QUITTERS; i++) {
    const q = client(FLOOD!);
    q.s.write('GET /quit HTTP/1.1\r\nhost: x\r\n\r\n');
    quitters.push(q);
  }
  await Promise.all(quitters.map((q) => q.connected));
  for (const q of quitters) q.s.resetAndDestroy();
  let done = false;
  const all = Promise.all(flood).finally(() => (done = true));
  let otherServed = 0;
  let maxScur = 0;
  while (!done) {
    const rows = await statsRows(STATS!);
    const fe = rows.find((r) => r.pxname === 'flood' && r.svname === 'FRONTEND')!;
    maxScur = Math.max(maxScur, Number(fe.scur));
    assert.equal((await get(OTHER!, '/other')).status, 200);
    otherServed++;
  }
  const answers = await all;
  const ok = answers.filter((a) => /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/.test(a)).length;
  assert.equal(ok, N, `${N - ok} of ${N} flooding clients were not served (first bad: ${JSON.stringify(answers.find((a) => !a.endsWith('ok'))?.slice(0, 80))})`);
  assert.ok(maxInFlight <= MAXCONN, `the backend saw ${maxInFlight} requests in flight at once, over maxconn ${MAXCONN}`);
  assert.ok(maxScur <= MAXCONN, `the CSV showed scur ${maxScur} on the flooded frontend`);
  const fe = (await statsRows(STATS!)).find((r) => r.pxname === 'flood' && r.svname === 'FRONTEND')!;
  assert.ok(Number(fe.smax) <= MAXCONN, `smax ${fe.smax} over maxconn ${MAXCONN}`);
  assert.equal(fe.slim, String(MAXCONN));
  assert.ok(otherServed >= 1);
  await assertBackToBaseline('after the flood');
});

test('clients that connect and leave (FIN or RST) or reset in the middle of a head leave nothing behind', async () => {
  const batch: Client[] = [];
  for (let i = 0; i < 240; i++) {
    const c = client(FE!);
    if (i % 4 >= 2) c.s.write('GET /half HTTP/1.1\r\nhost: x\r\nx-pa');
    batch.push(c);
  }
  await Promise.all(batch.map((c) => c.connected));
  await sleep(100);
  batch.forEach((c, i) => (i % 2 === 0 ? c.s.end() : c.s.resetAndDestroy()));
  await allClosed(batch, 'clients that left');
  // A half head and a FIN is a bad request; HAProxy answers 400 to it.
  for (let i = 2; i < batch.length; i += 4) assert.match(batch[i]!.got(), /^HTTP\/1\.1 400 Bad request\r\n/);
  await assertBackToBaseline('after clients left in the middle of a head');
});

test('a head then a half-close is answered; resets while the server answers or while uploading leave nothing behind', async () => {
  const halfClosed: Client[] = [];
  const readers: Client[] = [];
  const uploaders: Client[] = [];
  for (let i = 0; i < 80; i++) {
    const h = client(FE!);
    h.s.end('GET /hc HTTP/1.1\r\nhost: x\r\n\r\n');
    halfClosed.push(h);
    const r = client(FE!);
    r.s.write('GET /hold HTTP/1.1\r\nhost: x\r\n\r\n');
    readers.push(r);
    const u = client(FE!);
    u.s.write(`POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: ${1 << 20}\r\n\r\n`);
    u.s.write(Buffer.alloc(64 * 1024, 'u'));
    uploaders.push(u);
  }
  await waitUntil(() => readers.every((r) => r.got().length > 1024) && held.size === readers.length, 'every /hold response to start');
  await waitUntil(() => uploaders.every((u) => u.s.bytesWritten > 64 * 1024), 'every upload to be under way');
  for (const c of [...readers, ...uploaders]) c.s.resetAndDestroy();
  await allClosed(halfClosed, 'half-closed clients');
  for (const h of halfClosed) assert.match(h.got(), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ngot 0$/);
  await waitUntil(() => held.size === 0, 'the server to see every held response aborted');
  await assertBackToBaseline('after client resets mid-response and mid-upload');
});

test('clients resetting while queued behind a full server leave nothing behind', async () => {
  const batch: Client[] = [];
  for (let i = 0; i < 100; i++) {
    const c = client(FE!);
    c.s.write('GET /queued/hold HTTP/1.1\r\nhost: x\r\n\r\n');
    batch.push(c);
  }
  await waitUntil(() => batch.filter((c) => c.got().length > 0).length === 2, 'two requests to reach the server');
  const be = async (): Promise<Record<string, string>> => (await statsRows(STATS!)).find((r) => r.pxname === 'queued' && r.svname === 'BACKEND')!;
  const deadline = Date.now() + 20_000;
  while (Number((await be()).qcur) !== 98) {
    if (Date.now() > deadline) assert.fail(`the queue holds ${(await be()).qcur} requests, not 98`);
    await sleep(50);
  }
  for (const c of batch) c.s.resetAndDestroy();
  await waitUntil(() => held.size === 0, 'the server to see both held responses aborted');
  await assertBackToBaseline('after resets in the queue');
});

test('a server resetting at accept, after the head, mid-header or mid-body: 502 or a cut body, nothing left behind', async () => {
  const phases = ['/rst-accept', '/rst-head', '/rst-midhead', '/rst-midbody'];
  const runs: Promise<string>[] = [];
  for (let i = 0; i < 200; i++) runs.push(rawExchange(FE!, `GET ${phases[i % 4]} HTTP/1.1\r\nhost: x\r\n\r\n`, { timeoutMs: 30_000 }));
  const out = await Promise.all(runs);
  out.forEach((o, i) => {
    if (i % 4 === 3) assert.match(o, /^HTTP\/1\.1 200 OK\r\ncontent-length: 10000\r\n/, 'mid-body: the head went out, then the body was cut');
    // Reset at accept may land before or after the connect completes: 503 after retries or 502.
    else if (i % 4 === 0) assert.match(o, /^HTTP\/1\.1 50[23] /, 'reset at accept: 502 or 503');
    else assert.match(o, /^HTTP\/1\.1 502 Bad Gateway\r\n/, `${phases[i % 4]}: 502`);
    if (i % 4 === 3) assert.ok(o.length < 10000, 'the cut body must not be completed');
  });
  await assertBackToBaseline('after server resets');
});

test('tcp mode relays a half-close each way and frees both sides', async () => {
  const clientFirst: Client[] = [];
  const serverFirst: Client[] = [];
  // A few send megabytes after the server's FIN: they wait in the proxy while the server pauses.
  const BIG_LATE = 10;
  const LATE_BIG = 4 << 20;
  lateBytes = 0;
  for (let i = 0; i < 100; i++) {
    const c = client(PIPE!);
    if (i < BIG_LATE) {
      // A client that half-closes, then reads a large answer slowly, one read every 20 ms.
      c.s.pause();
      const slowRead = setInterval(() => (c.isClosed() ? clearInterval(slowRead) : c.s.read()), 20);
    }
    c.s.end(i < BIG_LATE ? 'big' : 'ping');
    clientFirst.push(c);
    const s = client(PIPE!, true);
    s.s.write('srv-first');
    // After the server's FIN the client still talks, then closes its side.
    s.s.on('end', () => s.s.end(i < BIG_LATE ? Buffer.alloc(LATE_BIG, 'l') : 'late'));
    serverFirst.push(s);
  }
  await allClosed([...clientFirst, ...serverFirst], 'tcp clients');
  clientFirst.forEach((c, i) => {
    if (i < BIG_LATE) assert.equal(c.got().length, BIG_REPLY.length, `client-first ${i}: a large answer after the client half-closed must arrive whole`);
    else assert.equal(c.got(), 'got 4', `client-first ${i}`);
  });
  serverFirst.forEach((s, i) => assert.equal(s.got(), 'bye', `server-first ${i}`));
  const expected = BIG_LATE * LATE_BIG + (serverFirst.length - BIG_LATE) * 4;
  await waitUntil(() => lateBytes >= expected, `bytes sent after the server half-closed to reach it (${lateBytes} of ${expected})`);
  assert.equal(lateBytes, expected, 'no more bytes than were sent after the half-close');
  await assertBackToBaseline('after tcp half-closes');
});

test('tcp mode: resets from either side, before or during the transfer, free both sides', async () => {
  const batch: Client[] = [];
  for (let i = 0; i < 150; i++) {
    const c = client(PIPE!);
    if (i % 3 === 0) c.s.write('rst-me');
    // Reset in the middle of a 4 MB answer, as soon as its first bytes arrive.
    else if (i % 3 === 1) {
      c.s.end('big');
      c.s.once('data', () => c.s.resetAndDestroy());
    }
    batch.push(c);
  }
  await Promise.all(batch.map((c) => c.connected));
  // The last third resets before sending anything.
  for (let i = 2; i < batch.length; i += 3) batch[i]!.s.resetAndDestroy();
  await allClosed(batch, 'tcp clients');
  for (let i = 0; i < batch.length; i += 3) assert.equal(batch[i]!.got(), 'partial');
  await assertBackToBaseline('after tcp resets');
});

test('idle keep-alive clients are closed at timeout http-keep-alive and freed', async () => {
  const idle: Client[] = [];
  for (let i = 0; i < 150; i++) {
    const c = client(FE!);
    c.s.write(`GET /ka/${i} HTTP/1.1\r\nhost: x\r\n\r\n`);
    idle.push(c);
  }
  await waitUntil(() => idle.every((c) => c.got().endsWith('got 0')), 'every first response');
  // The clients never close: Switchyard must.
  await allClosed(idle, 'idle keep-alive clients');
  await assertBackToBaseline('after idle keep-alive clients');
});

/** One command on a TCP stats socket; everything read until it closes. */
function cli(port: number, command: string): Promise<string> {
  return rawExchange(port, `${command}\n`, { timeoutMs: 10_000 });
}

const infoField = (info: string, name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(info)?.[1] ?? NaN);

test(`global maxconn ${MAXCONN} holds across two flooded frontends; show info never counts more`, async () => {
  const [a, b, api] = await freePorts(3);
  const g = await startSwitchyard(
    `global
    maxconn ${MAXCONN}
    stats socket ipv4@127.0.0.1:${api} level admin
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
frontend a
    bind 127.0.0.1:${a}
    default_backend counted
frontend b
    bind 127.0.0.1:${b}
    default_backend counted
backend counted
    server s1 127.0.0.1:${COUNTED}
`,
    [api!],
  );
  try {
    const gpid = g.proc.pid!;
    const base = await settled(() => fdCount(gpid), 5, 200);
    maxInFlight = 0;
    const N = 200;
    let done = false;
    const flood: Promise<string>[] = [];
    for (let i = 0; i < N; i++) flood.push(rawExchange(i % 2 ? a! : b!, `GET /g/${i} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`, { timeoutMs: 60_000 }));
    const all = Promise.all(flood).finally(() => (done = true));
    let maxCurr = 0;
    while (!done) {
      maxCurr = Math.max(maxCurr, infoField(await cli(api!, 'show info'), 'CurrConns'));
      await sleep(20);
    }
    const answers = await all;
    assert.equal(answers.filter((x) => /\r\n\r\nok$/.test(x)).length, N, 'every flooding client is served in the end');
    assert.ok(maxInFlight <= MAXCONN, `the backend saw ${maxInFlight} requests in flight at once, over global maxconn ${MAXCONN}`);
    assert.ok(maxCurr <= MAXCONN, `show info said CurrConns ${maxCurr}`);
    const info = await cli(api!, 'show info');
    assert.equal(infoField(info, 'Maxconn'), MAXCONN);
    const deadline = Date.now() + 20_000;
    while (fdCount(gpid) > base + FD_SLACK || infoField(await cli(api!, 'show info'), 'CurrConns') > 0) {
      if (Date.now() > deadline) assert.fail(`after the global flood: ${fdCount(gpid)} fds against a baseline of ${base}`);
      await sleep(100);
    }
  } finally {
    await g.stop();
  }
});
