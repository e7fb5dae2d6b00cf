// Request smuggling, compared with Debian's HAProxy 2.6 on the same bytes: every case of
// smuggling-cases.ts goes to Switchyard and to /usr/sbin/haproxy (one frontend and one
// recording backend per case on each), and what the client and the server saw must agree:
// the statuses in order, whether the server got any byte, how many requests it parsed and
// the body framing of each (Content-Length or chunked, and how many body bytes came).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { startSwitchyard, writeConfig, type Running } from '../helpers/switchyard.js';
import { CASES } from './smuggling-cases.js';

const HAPROXY = '/usr/sbin/haproxy';
/** Cases sent at once; one lasts at most about the server timeout (3 s) plus the keep-alive one. */
const BATCH = 30;
/** How long a client waits for the proxy to close before it reads what it got. */
const CLIENT_WAIT_MS = 8_000;

/**
 * `n` loopback ports below the kernel's ephemeral range, each checked free by binding it.
 * Ports from freePort sit inside that range, and with this many of them an outgoing
 * connection on a busy machine can take one (or leave it in TIME_WAIT) before the proxies bind.
 */
async function portsOutsideEphemeralRange(n: number): Promise<number[]> {
  const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'latin1').trim().split(/\s+/)[0]);
  const ports: number[] = [];
  for (let tries = 0; ports.length < n; tries++) {
    assert.ok(tries < 50 * n, 'no free ports below the ephemeral range');
    const p = 10_000 + Math.floor(Math.random() * (low - 10_000));
    if (ports.includes(p)) continue;
    const ok = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (ok) ports.push(p);
  }
  return ports;
}

/**
 * Ports of `ports` not yet listening on IPv4, read from /proc/net/tcp. Probing by connecting
 * would take ephemeral ports that may be one of the frontends still to be bound.
 */
function notListening(ports: number[]): number[] {
  const listening = new Set<number>();
  for (const line of readFileSync('/proc/net/tcp', 'latin1').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === '0A') listening.add(parseInt(f[1]!.split(':')[1]!, 16));
  }
  return ports.filter((p) => !listening.has(p));
}

interface Seen {
  /** Method and target, so a hidden request that got through shows by its name. */
  line: string;
  /** Framing as the server read it: `cl:N`, `chunked` or `none`. */
  framing: string;
  body: number;
}

/** A raw backend that parses what the proxy forwards, records it and answers each request with a small 200. */
class RecordingBackend {
  bytes = 0;
  requests: Seen[] = [];
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();

  constructor() {
    this.server = net.createServer((s) => this.serve(s));
  }

  /** Listen on a port the kernel picks (held from the start, so no other test can take it); resolves with it. */
  listen(): Promise<number> {
    return new Promise((r) => this.server.listen(0, '127.0.0.1', () => r((this.server.address() as net.AddressInfo).port)));
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((r) => this.server.close(() => r()));
  }

  private serve(s: net.Socket): void {
    this.sockets.add(s);
    s.on('close', () => this.sockets.delete(s));
    s.on('error', () => {});
    let buf = '';
    let cur: (Seen & { left: number; chunked: boolean }) | undefined;
    s.on('data', (d: Buffer) => {
      this.bytes += d.length;
      buf += d.toString('latin1');
      for (;;) {
        if (!cur) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const lines = buf.slice(0, end).split('\r\n');
          buf = buf.slice(end + 4);
          const hdr = (n: string): string[] => lines.slice(1).filter((l) => l.slice(0, l.indexOf(':')).trim().toLowerCase() === n).map((l) => l.slice(l.indexOf(':') + 1).trim());
          const te = hdr('transfer-encoding').join(',').toLowerCase();
          const cl = hdr('content-length');
          const chunked = te.includes('chunked');
          const left = chunked ? 0 : cl.length ? Number(cl[0]) : 0;
          cur = { line: lines[0]!.split(' ').slice(0, 2).join(' '), framing: chunked ? 'chunked' : cl.length ? `cl:${cl.join(',')}` : 'none', body: 0, left, chunked };
          this.requests.push(cur);
        }
        const done = cur.chunked ? this.eatChunks(cur, () => buf, (b) => (buf = b)) : this.eatLength(cur, () => buf, (b) => (buf = b));
        if (done === undefined) return s.destroy();
        if (!done) return;
        cur = undefined;
        s.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: keep-alive\r\n\r\nok');
      }
    });
  }

  private eatLength(cur: Seen & { left: number }, get: () => string, set: (b: string) => void): boolean {
    const n = Math.min(cur.left, get().length);
    cur.body += n;
    cur.left -= n;
    set(get().slice(n));
    return cur.left === 0;
  }

  /** true when the chunked body ended, false when more is needed, undefined on a framing error. */
  private eatChunks(cur: Seen & { left: number }, get: () => string, set: (b: string) => void): boolean | undefined {
    for (;;) {
      const b = get();
      if (cur.left === -1) {
        // Trailer section: lines up to an empty one.
        const eol = b.indexOf('\r\n');
        if (eol < 0) return false;
        set(b.slice(eol + 2));
        if (eol === 0) return true;
        continue;
      }
      if (cur.left > 0) {
        if (b.length < cur.left + 2) return false;
        if (b.slice(cur.left, cur.left + 2) !== '\r\n') return undefined;
        cur.body += cur.left;
        set(b.slice(cur.left + 2));
        cur.left = 0;
        continue;
      }
      const eol = b.indexOf('\r\n');
      if (eol < 0) return false;
      const size = parseInt(b.slice(0, eol).split(';')[0]!.trim(), 16);
      if (Number.isNaN(size)) return undefined;
      set(b.slice(eol + 2));
      cur.left = size === 0 ? -1 : size;
    }
  }
}

/** Statuses of the responses in `out`, in order (bodies are skipped by their Content-Length; 1xx have none). */
function statuses(out: string): number[] {
  const codes: number[] = [];
  let pos = 0;
  while (pos < out.length) {
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(out.slice(pos, pos + 16));
    if (!m) break;
    codes.push(Number(m[1]));
    const end = out.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const cl = /\r\ncontent-length:\s*(\d+)/i.exec(out.slice(pos, end + 2));
    pos = end + 4 + (Number(m[1]) < 200 ? 0 : cl ? Number(cl[1]) : out.length);
  }
  return codes;
}

/** How long the second part of a split case waits for the first to reach the server. */
const FIRST_PART_WAIT_MS = 2_000;

/**
 * Send `raw` on a fresh connection and collect what comes back until the proxy closes (or a
 * generous wait ends). `then` goes out once the server has seen bytes of the first part (or
 * after FIRST_PART_WAIT_MS if it sees none), so the proxy meets it while forwarding a body.
 */
function exchange(port: number, raw: string, then: string | undefined, be: RecordingBackend): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    const timer = setTimeout(() => s.destroy(), CLIENT_WAIT_MS);
    s.on('data', (d: Buffer) => (out += d.toString('latin1')));
    s.on('error', () => {});
    s.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
    s.write(Buffer.from(raw, 'latin1'));
    if (then === undefined) return;
    const deadline = Date.now() + FIRST_PART_WAIT_MS;
    const poll = setInterval(() => {
      if (be.bytes === 0 && Date.now() < deadline) return;
      clearInterval(poll);
      if (!s.destroyed) s.write(Buffer.from(then, 'latin1'));
    }, 20);
    s.on('close', () => clearInterval(poll));
  });
}

interface Observed {
  statuses: number[];
  backendGotBytes: boolean;
  requests: number;
  framing: string[];
}

function observe(out: string, be: RecordingBackend): Observed {
  return {
    statuses: statuses(out),
    backendGotBytes: be.bytes > 0,
    requests: be.requests.length,
    framing: be.requests.map((r) => `${r.line} ${r.framing} body=${r.body}`),
  };
}

const config = (fe: number[], be: number[]): string =>
  `defaults
    mode http
    timeout connect 1s
    timeout client 6s
    timeout server 3s
    timeout http-request 2s
    timeout http-keep-alive 500ms
` + fe.map((p, i) => `frontend fe${i}\n    bind 127.0.0.1:${p}\n    default_backend be${i}\nbackend be${i}\n    server s1 127.0.0.1:${be[i]}\n`).join('');

const N = CASES.length;
const ports = await portsOutsideEphemeralRange(2 * N);
const syFe = ports.slice(0, N), hapFe = ports.slice(N);
const syBackends = CASES.map(() => new RecordingBackend());
const hapBackends = CASES.map(() => new RecordingBackend());
const results: { sy: Observed; hap: Observed }[] = [];
let sy: Running | undefined;
let hap: ChildProcess | undefined;
let hapOut = '';

before(async () => {
  assert.ok(existsSync(HAPROXY), `${HAPROXY} is needed (scripts/install-test-deps.sh installs it)`);
  const syBe = await Promise.all(syBackends.map((b) => b.listen()));
  const hapBe = await Promise.all(hapBackends.map((b) => b.listen()));
  const { cfgPath } = writeConfig(config(hapFe, hapBe));
  hap = spawn(HAPROXY, ['-db', '-f', cfgPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  hap.stdout!.on('data', (d) => (hapOut += d));
  hap.stderr!.on('data', (d) => (hapOut += d));
  sy = await startSwitchyard(config(syFe, syBe), []);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const sySlow = notListening(syFe);
    const hapSlow = notListening(hapFe);
    if (sySlow.length + hapSlow.length === 0) break;
    assert.ok(hap.exitCode === null && sy.proc.exitCode === null && Date.now() < deadline,
      `not listening: switchyard ${sySlow.join(' ')}, haproxy ${hapSlow.join(' ')}\n${sy.output()}\n${hapOut}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  for (let from = 0; from < N; from += BATCH) {
    const idx = [...Array(Math.min(BATCH, N - from)).keys()].map((k) => from + k);
    await Promise.all(
      idx.map(async (i) => {
        const { raw, then } = CASES[i]!;
        const [syGot, hapGot] = await Promise.all([exchange(syFe[i]!, raw, then, syBackends[i]!), exchange(hapFe[i]!, raw, then, hapBackends[i]!)]);
        results[i] = { sy: observe(syGot, syBackends[i]!), hap: observe(hapGot, hapBackends[i]!) };
      }),
    );
  }
  let same = 0;
  for (const [i, r] of results.entries()) {
    if (JSON.stringify(r.sy) === JSON.stringify(r.hap)) same++;
    else if (!CASES[i]!.stricter) console.log(`differs: ${CASES[i]!.name}\n  switchyard ${JSON.stringify(r.sy)}\n  haproxy    ${JSON.stringify(r.hap)}`);
  }
  const stricter = CASES.filter((c) => c.stricter).length;
  console.log(`smuggling: ${same}/${N} cases match haproxy (${stricter} refused by Switchyard where HAProxy rewrites and forwards)`);
});

after(async () => {
  await sy?.stop();
  hap?.kill('SIGKILL');
  await Promise.all([...syBackends, ...hapBackends].map((b) => b.close()));
});

test('the matrix holds at least 30 cases', () => {
  assert.ok(N >= 30, `${N} cases`);
});

test('the plain baseline is forwarded by both (the harness sees traffic)', () => {
  assert.deepEqual(results[0]!.hap.statuses, [200]);
  assert.deepEqual(results[0]!.sy.statuses, [200]);
});

for (const [i, c] of CASES.entries()) {
  if (c.stricter) {
    test(`smuggling case: ${c.name} — refused, nothing reaches the server (${c.stricter})`, () => {
      const { sy: got, hap: ref } = results[i]!;
      const what = `${c.name}: ${JSON.stringify(c.raw + (c.then ?? ''))} ${JSON.stringify(got)}`;
      assert.deepEqual(got.statuses, [400], what);
      // A split case's head has gone on before the refused bytes came; none of those bytes may follow it.
      assert.equal(got.requests, c.then === undefined ? 0 : 1, what);
      assert.equal(got.backendGotBytes, c.then !== undefined, what);
      assert.ok(got.framing.every((f) => f.endsWith(' body=0')), what);
      // Only where HAProxy does forward is refusing a deliberate difference; otherwise the case belongs with the exact ones.
      assert.ok(ref.requests > 0, `HAProxy refuses too, so drop 'stricter' from ${c.name}: ${JSON.stringify(ref)}`);
    });
  } else {
    test(`smuggling case: ${c.name} — Switchyard acts as HAProxy 2.6`, () => {
      const { sy: got, hap: want } = results[i]!;
      assert.deepEqual(got, want, `${c.name}: ${JSON.stringify(c.raw)}`);
    });
  }
}
