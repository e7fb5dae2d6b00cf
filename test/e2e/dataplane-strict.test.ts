// Strict HTTP/1.1 request parsing: each fault is refused with HAProxy's status and never
// reaches the server; and a 100 MB streamed upload and download pass with bounded memory.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { echoBackend, rawExchange } from './dataplane-helpers.js';

const [FE, A, BIG] = await freePorts(3);
let sy: Running;
let app: Awaited<ReturnType<typeof echoBackend>>;
let big: http.Server;
const MB100 = 100 * 1024 * 1024;

before(async () => {
  app = await echoBackend(A!);
  // Streams 100 MB in 64 KB chunks, honouring back-pressure.
  big = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-length': MB100 });
    const chunk = Buffer.alloc(65536, 0x61);
    let sent = 0;
    const pump = (): void => {
      while (sent < MB100) {
        sent += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  await new Promise<void>((r) => big.listen(BIG, '127.0.0.1', r));
  sy = await startSwitchyard(
    `defaults
    mode http
    timeout connect 2s
    timeout client 20s
    timeout server 20s
frontend web
    bind 127.0.0.1:${FE}
    use_backend big if { path_beg /big }
    default_backend app
backend app
    server a1 127.0.0.1:${A}
backend big
    server b1 127.0.0.1:${BIG}
`,
    [FE!],
  );
});

after(async () => {
  await sy?.stop();
  await app.close();
  big.closeAllConnections();
  await new Promise((r) => big.close(r));
});

const CASES: [string, string, RegExp][] = [
  ['a coding before chunked', 'POST /a HTTP/1.1\r\nhost: x\r\ntransfer-encoding: gzip, chunked\r\n\r\n0\r\n\r\n', /^HTTP\/1\.1 422 /],
  ['two different Content-Lengths', 'POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\ncontent-length: 6\r\n\r\nhello!', /^HTTP\/1\.1 400 /],
  ['an invalid character in a header name', 'GET /a HTTP/1.1\r\nhost: x\r\nx(y): 1\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['a control character in a header value', 'GET /a HTTP/1.1\r\nhost: x\r\nx-y: a\x01b\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['obsolete line folding', 'GET /a HTTP/1.1\r\nhost: x\r\nx-y: a\r\n b\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['a bad HTTP version', 'GET /a HTTP/2.7\r\nhost: x\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['a request line over the buffer', `GET /${'a'.repeat(20000)} HTTP/1.1\r\nhost: x\r\n\r\n`, /^HTTP\/1\.1 414 /],
  ['headers over tune.bufsize', `GET /a HTTP/1.1\r\nhost: x\r\n${'x-filler: ' + 'b'.repeat(100) + '\r\n'}`.repeat(1) + `x-big: ${'c'.repeat(17000)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
];

for (const [what, raw, status] of CASES) {
  test(`a request with ${what} is refused and never forwarded`, async () => {
    const before = app.requests.length;
    const out = await rawExchange(FE!, raw);
    assert.match(out, status);
    assert.equal(app.requests.length, before, 'the request must not reach the server');
  });
}

test('with both Content-Length and Transfer-Encoding, the request goes on chunked without the length and the connection closes after it', async () => {
  const before = app.requests.length;
  const out = await rawExchange(FE!, 'POST /a HTTP/1.1\r\nhost: x\r\ncontent-length: 31\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 200 /);
  assert.match(out, /\r\nconnection: close\r\n/i);
  assert.equal(app.requests.length, before + 1, 'only the POST reaches the server');
  assert.equal(app.requests.at(-1)!.headers['content-length'], undefined);
  assert.equal(app.requests.at(-1)!.headers['transfer-encoding'], 'chunked');
});

test('a valid chunked upload is forwarded with its framing', async () => {
  const out = await rawExchange(FE!, 'POST /c HTTP/1.1\r\nhost: x\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 200 /);
  assert.match(out, /"bodyBytes":11/);
});

function vmHWMkB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]);
}

test('100 MB up and 100 MB down stream through with bounded memory', async () => {
  const uploaded = await new Promise<string>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: FE, method: 'POST', path: '/up', agent: false, headers: { 'content-length': MB100 } }, (res) => {
      let b = '';
      res.on('data', (d) => (b += d));
      res.on('end', () => resolve(b));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(65536, 0x62);
    let sent = 0;
    const pump = (): void => {
      while (sent < MB100) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
  assert.equal(JSON.parse(uploaded).bodyBytes, MB100);
  const downloaded = await new Promise<number>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port: FE, path: '/big', agent: false }, (res) => {
      let n = 0;
      res.on('data', (d: Buffer) => (n += d.length));
      res.on('end', () => resolve(n));
    }).on('error', reject);
  });
  assert.equal(downloaded, MB100);
  const peakMB = vmHWMkB(sy.proc.pid!) / 1024;
  assert.ok(peakMB < 150, `peak RSS ${peakMB.toFixed(1)} MB`);
});
