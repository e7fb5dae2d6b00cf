// Bytes arrive intact through both modes while receivers read slowly and other connections
// keep the proxy busy. The data plane reads into reused buffers (src/proxy/reads.ts): a chunk
// still queued in a write when the next read lands would show here as corrupted bytes.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { get } from './dataplane-helpers.js';

const SIZE = 24 * 1024 * 1024;
const payload = randomBytes(SIZE);
const digest = createHash('sha256').update(payload).digest('hex');
const [HTTP_FE, TCP_FE, BE] = await freePorts(3);
let sy: Running;
let backend: net.Server;

// GET /big: the payload in one response (written in 1 MB pieces); POST: the sha256 of the body.
// Anything else: a short answer. A raw server, so nothing but the proxy touches the bytes.
function serve(sock: net.Socket): void {
  let head = '';
  let bodyLeft = -1;
  let hash = createHash('sha256');
  sock.on('error', () => sock.destroy());
  sock.on('data', (d: Buffer) => {
    let rest: Buffer = d;
    while (rest.length > 0) {
      if (bodyLeft < 0) {
        head += rest.toString('latin1');
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        rest = Buffer.from(head.slice(end + 4), 'latin1');
        const h = head.slice(0, end);
        head = '';
        const cl = /content-length: *(\d+)/i.exec(h);
        if (h.startsWith('GET /big')) {
          sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${SIZE}\r\n\r\n`);
          for (let i = 0; i < SIZE; i += 1 << 20) sock.write(payload.subarray(i, i + (1 << 20)));
          continue;
        }
        if (!cl) {
          sock.write('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok');
          continue;
        }
        bodyLeft = Number(cl[1]);
        hash = createHash('sha256');
      }
      const n = Math.min(bodyLeft, rest.length);
      hash.update(rest.subarray(0, n));
      bodyLeft -= n;
      rest = rest.subarray(n);
      if (bodyLeft === 0) {
        const hex = hash.digest('hex');
        sock.write(`HTTP/1.1 200 OK\r\ncontent-length: ${hex.length}\r\n\r\n${hex}`);
        bodyLeft = -1;
      }
    }
  });
}

before(async () => {
  backend = net.createServer(serve);
  await new Promise<void>((r) => backend.listen(BE!, '127.0.0.1', r));
  sy = await startSwitchyard(
    `defaults
    timeout connect 2s
    timeout client 30s
    timeout server 30s
frontend web
    mode http
    bind 127.0.0.1:${HTTP_FE}
    default_backend app
frontend raw
    mode tcp
    bind 127.0.0.1:${TCP_FE}
    default_backend app_tcp
backend app
    mode http
    server s1 127.0.0.1:${BE}
backend app_tcp
    mode tcp
    server s1 127.0.0.1:${BE}
`,
    [HTTP_FE!, TCP_FE!],
  );
});

after(async () => {
  await sy?.stop();
  await new Promise((r) => backend.close(r));
});

/** GET /big and hash the body, reading in bursts with pauses (a slow reader). */
function slowDownload(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    const hash = createHash('sha256');
    let head: Buffer | null = Buffer.alloc(0);
    let got = 0;
    let reads = 0;
    s.on('error', reject);
    s.on('data', (d: Buffer) => {
      if (head) {
        const all = Buffer.concat([head, d]);
        const end = all.indexOf('\r\n\r\n');
        if (end < 0) {
          head = all;
          return;
        }
        d = all.subarray(end + 4);
        head = null;
      }
      hash.update(d);
      got += d.length;
      if (got >= SIZE) {
        s.destroy();
        resolve(hash.digest('hex'));
      } else if (++reads % 16 === 0) {
        s.pause();
        setTimeout(() => s.resume(), 5);
      }
    });
    s.write('GET /big HTTP/1.1\r\nhost: x\r\n\r\n');
  });
}

/** POST the payload in small writes and return what the backend hashed. */
function upload(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let out = '';
    s.on('error', reject);
    s.on('data', (d) => {
      out += d;
      const m = /\r\n\r\n([0-9a-f]{64})$/.exec(out);
      if (m) {
        s.destroy();
        resolve(m[1]!);
      }
    });
    s.write(`POST /up HTTP/1.1\r\nhost: x\r\ncontent-length: ${SIZE}\r\n\r\n`);
    let i = 0;
    const pump = (): void => {
      while (i < SIZE) {
        const piece = payload.subarray(i, i + 7000);
        i += piece.length;
        if (!s.write(piece)) return void s.once('drain', pump);
      }
    };
    pump();
  });
}

async function busy(port: number, until: Promise<unknown>): Promise<number> {
  let done = false;
  void until.finally(() => (done = true));
  let n = 0;
  while (!done && n < 2000) {
    assert.equal((await get(port, `/small/${n}`)).status, 200);
    n++;
  }
  return n;
}

for (const [mode, port] of [['http', () => HTTP_FE!], ['tcp', () => TCP_FE!]] as const) {
  test(`${mode} mode: two slow 24 MB downloads and a 24 MB upload arrive intact beside other traffic`, async () => {
    const work = Promise.all([slowDownload(port()), slowDownload(port()), upload(port())]);
    const small = await busy(HTTP_FE!, work);
    const [d1, d2, up] = await work;
    assert.equal(d1, digest, 'first download corrupted');
    assert.equal(d2, digest, 'second download corrupted');
    assert.equal(up, digest, 'upload corrupted');
    assert.ok(small > 0);
  });
}
