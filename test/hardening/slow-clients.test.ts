// Slow and abusive clients against the real binary: slowloris heads are cut at
// `timeout http-request` with HAProxy's 408 page, trickled and stalled bodies end as Debian's
// HAProxy 2.6 ends them on the same config, and slow readers (or a slow-reading server) push
// back all the way instead of growing Switchyard's memory.

import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import http from 'node:http';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePorts } from '../helpers/ports.js';
import { canConnect, startSwitchyard, writeConfig, type Running } from '../helpers/switchyard.js';
import { get, waitFor } from '../e2e/dataplane-helpers.js';
import { rssBytes, settled, sleep } from './proc.js';

const HAPROXY = '/usr/sbin/haproxy';
const MB = 1024 * 1024;
const BIG = 200 * MB;
const CHUNK = Buffer.alloc(64 * 1024, 'y');
/** How far Switchyard's RSS may grow over its baseline while a 200 MB transfer is held back. */
const RSS_SLACK = 40 * MB;

const [FE, HFE, BE, PIPE, RAW, SLOWFE, SINK] = await freePorts(7);

// The timeouts part runs on Switchyard and, when installed, on HAProxy side by side.
const timeoutsPart = (fePort: number): string => `defaults
    mode http
    timeout connect 2s
    timeout client 1s
    timeout server 4s
    timeout http-request 2s
frontend web
    bind 127.0.0.1:${fePort}
    default_backend app
backend app
    server s1 127.0.0.1:${BE}
`;

// Transfers held back for seconds need timeouts far above the test's own waits.
const slowPart = `defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
frontend slow
    bind 127.0.0.1:${SLOWFE}
    use_backend sink if { path_beg /upload }
    default_backend app2
backend app2
    server s1 127.0.0.1:${BE}
backend sink
    server s1 127.0.0.1:${SINK}
frontend pipe
    mode tcp
    bind 127.0.0.1:${PIPE}
    default_backend raw
backend raw
    mode tcp
    server s1 127.0.0.1:${RAW}
`;

/** One large transfer whose writer honours back-pressure; `blockedFor` tells how long it has waited for 'drain'. */
class Stream {
  written = 0;
  pauses = 0;
  private blockedSince = 0;
  blockedFor(): number {
    return this.blockedSince ? Date.now() - this.blockedSince : 0;
  }
  /** Write `total` bytes to `w`, waiting for 'drain' whenever write() returns false. */
  pump(w: { write(b: Buffer): boolean; once(ev: 'drain', f: () => void): unknown; destroyed?: boolean }, total: number, done: () => void): void {
    while (this.written < total) {
      if (w.destroyed) return;
      const n = Math.min(CHUNK.length, total - this.written);
      this.written += n;
      if (!w.write(n === CHUNK.length ? CHUNK : CHUNK.subarray(0, n))) {
        this.pauses++;
        this.blockedSince = Date.now();
        w.once('drain', () => {
          this.blockedSince = 0;
          this.pump(w, total, done);
        });
        return;
      }
    }
    done();
  }
}

let bigStream: Stream | undefined;
let sinkReq: http.IncomingMessage | undefined;
let rawBig: Stream | undefined;
let rawSink: net.Socket | undefined;
const sockets = new Set<net.Socket>();

const SMALL = Buffer.alloc(32 * 1024, 'p');
let smallServed = 0;
// The http backend: /big streams 200 MB, /small is 32 kB, other requests are answered after their whole body.
const app = http.createServer((req, res) => {
  if (req.url === '/small') {
    smallServed++;
    res.writeHead(200, { 'content-length': SMALL.length });
    res.end(SMALL);
    return;
  }
  if (req.url === '/big') {
    res.writeHead(200, { 'content-length': BIG, 'content-type': 'application/octet-stream' });
    bigStream = new Stream();
    bigStream.pump(res, BIG, () => res.end());
    return;
  }
  let n = 0;
  req.on('data', (d: Buffer) => (n += d.length));
  req.on('end', () => res.end(`got ${n}`));
});
// The slow-reading server: reads an upload only once the test lets it.
const sink = http.createServer((req, res) => {
  req.pause();
  sinkReq = req;
  let n = 0;
  req.on('data', (d: Buffer) => (n += d.length));
  req.on('end', () => res.end(`got ${n}`));
});
// The tcp backend: `big\n` gets 200 MB back; `sink\n` is not read until the test resumes it.
const raw = net.createServer({ allowHalfOpen: true }, (s) => {
  sockets.add(s);
  s.on('close', () => sockets.delete(s));
  s.on('error', () => {});
  let mode = '';
  let n = 0;
  s.on('data', (d: Buffer) => {
    if (mode === 'sink') n += d.length;
    else if (d.subarray(0, 4).toString('latin1') === 'big\n') {
      mode = 'big';
      rawBig = new Stream();
      rawBig.pump(s, BIG, () => s.end());
    } else {
      mode = 'sink';
      n += d.length - 5;
      s.pause();
      rawSink = s;
    }
  });
  s.on('end', () => {
    if (mode === 'sink') s.end(`got ${n}\n`);
  });
});

let sy: Running;
let hap: ChildProcess | undefined;

before(async () => {
  for (const [srv, port] of [[app, BE], [sink, SINK], [raw, RAW]] as const) {
    await new Promise<void>((r) => srv.listen(port, '127.0.0.1', r));
  }
  sy = await startSwitchyard(timeoutsPart(FE!) + slowPart, [FE!, SLOWFE!, PIPE!]);
  if (existsSync(HAPROXY)) {
    const { cfgPath } = writeConfig(timeoutsPart(HFE!));
    hap = spawn(HAPROXY, ['-db', '-f', cfgPath], { stdio: 'ignore' });
    await waitFor(() => canConnect(HFE!), 'haproxy listening');
  }
});

after(async () => {
  await sy?.stop();
  hap?.kill('SIGKILL');
  for (const s of sockets) s.destroy();
  app.closeAllConnections();
  sink.closeAllConnections();
  await Promise.all([app, sink, raw].map((s) => new Promise((r) => s.close(r))));
});

interface Outcome {
  out: string;
  /** ms from connect to the close. */
  closedAfter: number;
  /** ms from the last byte sent to the close. */
  afterLastByte: number;
}

/** Connect, send `first`, then one byte of `rest` every `gapMs`; resolve when the peer closes. */
function trickle(port: number, first: string, rest: string, gapMs: number): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    let tLast = t0;
    let out = '';
    let i = 0;
    const s = net.connect(port, '127.0.0.1');
    sockets.add(s);
    const timer = setInterval(() => {
      if (i < rest.length && !s.destroyed) {
        s.write(rest[i++]!);
        tLast = Date.now();
      }
    }, gapMs);
    const guard = setTimeout(() => {
      s.destroy();
      reject(new Error(`still open after 20 s; got ${JSON.stringify(out)}`));
    }, 20_000);
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      clearInterval(timer);
      clearTimeout(guard);
      sockets.delete(s);
      const now = Date.now();
      resolve({ out, closedAfter: now - t0, afterLastByte: now - tLast });
    });
    if (first) s.write(first);
  });
}

const PAGE_408 = /^HTTP\/1\.1 408 Request Time-out\r\n[^]*\r\n\r\n<html><body><h1>408 Request Time-out<\/h1>\nYour browser didn't send a complete request in time\.\n<\/body><\/html>\n$/;
const statusLine = (o: Outcome): string => o.out.slice(0, o.out.indexOf('\r\n'));

/** Run the same client on Switchyard and, when installed, on HAProxy; the two must end alike. */
async function sideBySide(client: (port: number) => Promise<Outcome>): Promise<Outcome> {
  const [mine, theirs] = await Promise.all([client(FE!), hap ? client(HFE!) : undefined]);
  if (theirs) assert.equal(statusLine(mine), statusLine(theirs), `Switchyard ended as ${JSON.stringify(mine.out.slice(0, 60))}, HAProxy as ${JSON.stringify(theirs.out.slice(0, 60))}`);
  return mine;
}

describe('timeouts on slow clients', { concurrency: true }, () => {
  test('slowloris: heads sent a byte a second get 408 at timeout http-request while a normal client is served', async () => {
    const head = 'GET /slowloris HTTP/1.1\r\nhost: x\r\nuser-agent: slow\r\n\r\n';
    const slow = Array.from({ length: 6 }, () => trickle(FE!, 'G', head.slice(1), 1000));
    // One more connects and never sends a byte: the same 408.
    slow.push(trickle(FE!, '', '', 60_000));
    const theirs = hap ? trickle(HFE!, 'G', head.slice(1), 1000) : undefined;
    let served = 0;
    let settledAll = false;
    const all = Promise.all(slow).finally(() => (settledAll = true));
    while (!settledAll) {
      const r = await get(FE!, '/normal');
      assert.equal(r.status, 200);
      served++;
      await sleep(100);
    }
    for (const o of await all) {
      assert.match(o.out, PAGE_408);
      assert.ok(o.closedAfter >= 1900, `408 came after ${o.closedAfter} ms, before timeout http-request (2 s)`);
      assert.ok(o.closedAfter < 10_000, `408 came only after ${o.closedAfter} ms`);
    }
    assert.ok(served >= 3, `the normal client was served ${served} times meanwhile`);
    if (theirs) assert.equal(statusLine(await theirs), 'HTTP/1.1 408 Request Time-out', 'HAProxy on the same config');
  });

  test('a body trickled faster than timeout server is forwarded whole, even past timeout client (as HAProxy)', async () => {
    const o = await sideBySide((port) => trickle(port, 'POST /up HTTP/1.1\r\nhost: x\r\ncontent-length: 3\r\n\r\n', 'abc', 2000));
    assert.match(o.out, /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ngot 3$/);
  });

  test('a body that stalls gets 504 at timeout server after its last byte (as HAProxy)', async () => {
    const o = await sideBySide((port) => trickle(port, 'POST /up HTTP/1.1\r\nhost: x\r\ncontent-length: 30\r\n\r\nabcde', '', 60_000));
    assert.match(o.out, /^HTTP\/1\.1 504 Gateway Time-out\r\n/);
    assert.ok(o.afterLastByte >= 3900, `504 after ${o.afterLastByte} ms, before timeout server (4 s)`);
  });

  test('the first client after an idle start still gets the whole timeout http-request', async () => {
    const [fe, api] = await freePorts(2);
    // Nothing touches the data plane before the slow client: readiness is seen on the stats socket.
    const idle = await startSwitchyard(`global\n    stats socket ipv4@127.0.0.1:${api} level admin\n${timeoutsPart(fe!)}`, [api!]);
    try {
      await sleep(2500);
      const o = await trickle(fe!, 'GET / HTTP/1.1\r\n', '', 60_000);
      assert.match(o.out, PAGE_408);
      assert.ok(o.closedAfter >= 1900, `408 after ${o.closedAfter} ms on the first connection, before timeout http-request (2 s)`);
    } finally {
      await idle.stop();
    }
  });
});

/** Sample Switchyard's RSS a few times; the largest growth over `base`. */
async function rssGrowth(base: number): Promise<number> {
  let max = 0;
  for (let i = 0; i < 5; i++) {
    max = Math.max(max, rssBytes(sy.proc.pid!) - base);
    await sleep(200);
  }
  return max;
}

const baseline = (): Promise<number> => settled(() => Math.round(rssBytes(sy.proc.pid!) / MB), 3, 200).then((m) => m * MB);

/** Read everything `s` still sends until it closes; resolve with the byte count. */
function drain(s: net.Socket): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    s.on('data', (d: Buffer) => (n += d.length));
    s.on('close', () => resolve(n));
    s.resume();
  });
}

/** A client that sends `data` and then reads nothing. */
function nonReader(port: number, data: string): net.Socket {
  const s = net.connect(port, '127.0.0.1');
  sockets.add(s);
  s.on('error', () => {});
  s.pause();
  s.write(data);
  return s;
}

/** The writer has waited for 'drain' a full second, or wrote everything (nothing held it back). */
const heldOrDone = (st: Stream | undefined): boolean => st !== undefined && (st.blockedFor() > 1000 || st.written >= BIG);

function assertHeldBack(what: string, st: Stream, growth: number): string {
  assert.ok(growth < RSS_SLACK, `${what}: Switchyard's RSS grew ${Math.round(growth / MB)} MB while holding back a 200 MB transfer`);
  assert.ok(st.pauses > 0, `${what}: the writer never saw write() return false`);
  assert.ok(st.written < BIG / 2, `${what}: ${Math.round(st.written / MB)} MB of 200 MB left the writer while nobody read`);
  return `${what}: RSS +${Math.round(growth / MB)} MB, writer held at ${Math.round(st.written / MB)} MB`;
}

test('a client that reads nothing of a 200 MB http response holds back the server, not memory', async (t) => {
  const base = await baseline();
  bigStream = undefined;
  const c = nonReader(SLOWFE!, 'GET /big HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  await waitFor(() => heldOrDone(bigStream), 'the backend blocked on a full pipe', 20_000);
  t.diagnostic(assertHeldBack('http download', bigStream!, await rssGrowth(base)));
  const got = await drain(c);
  assert.ok(got > BIG && got < BIG + 1024, `the client got ${got} bytes once it read`);
});

test('a client that reads nothing of a 200 MB tcp stream holds back the server, not memory', async (t) => {
  const base = await baseline();
  rawBig = undefined;
  const c = nonReader(PIPE!, 'big\n');
  await waitFor(() => heldOrDone(rawBig), 'the backend blocked on a full pipe', 20_000);
  t.diagnostic(assertHeldBack('tcp download', rawBig!, await rssGrowth(base)));
  assert.equal(await drain(c), BIG);
});

/** Upload 200 MB to `port` after `head`; the returned stream tells how far the client got. */
function uploader(port: number, head: string): { st: Stream; reply: Promise<string> } {
  const st = new Stream();
  const s = net.connect(port, '127.0.0.1');
  sockets.add(s);
  s.on('error', () => {});
  let out = '';
  s.on('data', (d) => (out += d.toString('latin1')));
  const reply = new Promise<string>((r) => s.on('close', () => r(out)));
  s.write(head);
  st.pump(s, BIG, () => s.end());
  return { st, reply };
}

test('a server that reads nothing of a 200 MB http upload holds back the client, not memory', async (t) => {
  const base = await baseline();
  sinkReq = undefined;
  const { st, reply } = uploader(SLOWFE!, `POST /upload HTTP/1.1\r\nhost: x\r\ncontent-length: ${BIG}\r\nconnection: close\r\n\r\n`);
  await waitFor(() => heldOrDone(st) && sinkReq !== undefined, 'the client blocked on a full pipe', 20_000);
  t.diagnostic(assertHeldBack('http upload', st, await rssGrowth(base)));
  sinkReq!.resume();
  assert.match(await reply, new RegExp(`^HTTP/1\\.1 200 OK\\r\\n[^]*\\r\\n\\r\\ngot ${BIG}$`));
});

test('a server that reads nothing of a 200 MB tcp upload holds back the client, not memory', async (t) => {
  const base = await baseline();
  rawSink = undefined;
  const { st, reply } = uploader(PIPE!, 'sink\n');
  await waitFor(() => heldOrDone(st) && rawSink !== undefined, 'the client blocked on a full pipe', 20_000);
  t.diagnostic(assertHeldBack('tcp upload', st, await rssGrowth(base)));
  rawSink!.resume();
  assert.equal(await reply, `got ${BIG}\n`);
});

test('a client pipelining 4000 requests and reading no response is not served past what its socket holds', async (t) => {
  const N = 4000;
  const base = await baseline();
  smallServed = 0;
  const c = nonReader(SLOWFE!, 'GET /small HTTP/1.1\r\nhost: x\r\n\r\n'.repeat(N));
  await waitFor(() => smallServed > 0, 'the first request served');
  const held = await settled(() => smallServed, 5, 200);
  const growth = await rssGrowth(base);
  t.diagnostic(`pipelining: served ${held} of ${N} while nothing was read, RSS +${Math.round(growth / MB)} MB`);
  assert.ok(growth < RSS_SLACK, `Switchyard's RSS grew ${Math.round(growth / MB)} MB buffering responses nobody read`);
  assert.ok(held < N / 2, `${held} of ${N} pipelined requests were served to a client that read nothing`);
  // Once the client reads, every response comes, in order and whole.
  const MARK = 'HTTP/1.1 200 OK\r\n';
  let responses = 0;
  let tail = '';
  c.on('data', (d: Buffer) => {
    const text = tail + d.toString('latin1');
    for (let i = text.indexOf(MARK); i >= 0; i = text.indexOf(MARK, i + MARK.length)) responses++;
    tail = text.slice(-(MARK.length - 1));
  });
  c.resume();
  await waitFor(() => responses === N, `all ${N} responses (got ${responses})`, 30_000);
  c.destroy();
});
