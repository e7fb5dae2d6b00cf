import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findHeadEnd, newHead, oversizedRequestStatus, parseHead } from '../../src/proxy/http-head.js';
import { ChunkedScanner } from '../../src/proxy/chunked.js';

const h = newHead();

test('a valid request head fills the fields and framing', () => {
  assert.equal(parseHead('POST /a?b=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n', false, h, 101), 0);
  assert.equal(h.method, 'POST');
  assert.equal(h.target, '/a?b=1');
  assert.equal(h.version, 11);
  assert.equal(h.contentLength, 12);
  assert.equal(h.upgrade, true);
  assert.deepEqual(h.names, ['host', 'content-length', 'connection', 'upgrade']);
});

test('header names come out in lower case, known ones as the same constant strings', () => {
  assert.equal(parseHead('HTTP/1.1 200 OK\r\nContent-Length:  3 \r\nX-Odd-Name: \tv\t\r\nSET-COOKIE: a=b\r\nEtag:"1"\r\n\r\n', true, h, 101), 0);
  assert.deepEqual(h.names, ['content-length', 'x-odd-name', 'set-cookie', 'etag']);
  assert.deepEqual(h.values, ['3', 'v', 'a=b', '"1"']);
  assert.equal(h.contentLength, 3);
  assert.equal(h.reason, 'OK');
  assert.equal(parseHead('HTTP/1.1 204\r\n\r\n', true, h, 101), 0);
  assert.deepEqual([h.status, h.reason], [204, '']);
  assert.equal(parseHead('HTTP/1.1 20\r\nx: 1\r\n\r\n', true, h, 101), 400);
});

test('identical repeated Content-Lengths are accepted, different ones are not', () => {
  assert.equal(parseHead('GET / HTTP/1.1\r\ncontent-length: 3, 3\r\ncontent-length: 3\r\n\r\n', false, h, 101), 0);
  assert.equal(parseHead('GET / HTTP/1.1\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\n', false, h, 101), 400);
  assert.equal(parseHead('GET / HTTP/1.1\r\ncontent-length: -1\r\n\r\n', false, h, 101), 400);
});

test('Transfer-Encoding must end with chunked once; with Content-Length, chunked wins (as HAProxy 2.6)', () => {
  assert.equal(parseHead('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n', true, h, 101), 0);
  assert.equal(h.chunked, true);
  assert.equal(parseHead('POST / HTTP/1.1\r\ntransfer-encoding: gzip, chunked\r\n\r\n', false, h, 101), 422);
  assert.equal(parseHead('POST / HTTP/1.1\r\ntransfer-encoding: chunked, gzip\r\n\r\n', false, h, 101), 400);
  assert.equal(parseHead('POST / HTTP/1.1\r\ntransfer-encoding: chunked, chunked\r\n\r\n', false, h, 101), 400);
  assert.equal(parseHead('POST / HTTP/1.1\r\ntransfer-encoding: gzip\r\n\r\n', false, h, 101), 400);
  assert.equal(parseHead('POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\ncontent-length: 1\r\n\r\n', false, h, 101), 0);
  assert.deepEqual([h.chunked, h.contentLength, h.lengthDropped], [true, -1, true]);
  assert.equal(parseHead('POST / HTTP/1.1\r\ntransfer-encoding: chunked\r\n\r\n', false, h, 101), 0);
  assert.equal(h.lengthDropped, false);
});

test('too many headers is a 400', () => {
  const head = 'GET / HTTP/1.1\r\n' + 'x: y\r\n'.repeat(5) + '\r\n';
  assert.equal(parseHead(head, false, h, 4), 400);
  assert.equal(parseHead(head, false, h, 5), 0);
});

test('responses: status line shape and reason', () => {
  assert.equal(parseHead('HTTP/1.1 204 No Content\r\n\r\n', true, h, 101), 0);
  assert.equal(h.status, 204);
  assert.equal(h.reason, 'No Content');
  assert.equal(parseHead('HTTP/1.1 20 OK\r\n\r\n', true, h, 101), 400);
  assert.equal(parseHead('HTTP/1.2 200 OK\r\n\r\n', true, h, 101), 400);
});

test('an unfinished request line over the limit is 414, unfinished headers 431', () => {
  const long = Buffer.from('GET /' + 'a'.repeat(100));
  assert.equal(oversizedRequestStatus(long, long.length), 414);
  const hdrs = Buffer.from('GET / HTTP/1.1\r\nx: ' + 'a'.repeat(100));
  assert.equal(oversizedRequestStatus(hdrs, hdrs.length), 431);
  assert.equal(findHeadEnd(Buffer.from('GET / HTTP/1.1\r\n\r\nbody'), 0, 22), 18);
});

test('any byte that is not a tchar in a header name is refused', () => {
  fc.assert(
    // ':' is left out: `x:y: 1` is the header `x` with the value `y: 1`.
    fc.property(fc.integer({ min: 0, max: 255 }).filter((c) => c !== 0x3a), (c) => {
      const ch = String.fromCharCode(c);
      const ok = /^[!#$%&'*+\-.^_`|~0-9a-zA-Z]$/.test(ch);
      const res = parseHead(`GET / HTTP/1.1\r\nx${ch}y: 1\r\n\r\n`, false, h, 101);
      return ok ? res === 0 : res === 400;
    }),
  );
});

function scanAll(parts: Buffer[]): { end: number; done: boolean; consumed: number } {
  const s = new ChunkedScanner();
  let consumed = 0;
  for (const p of parts) {
    const e = s.scan(p, 0, p.length);
    if (e < 0) return { end: -1, done: false, consumed };
    consumed += e;
    if (s.done) return { end: e, done: true, consumed };
  }
  return { end: 0, done: false, consumed };
}

test('the chunked scanner finds the end of a body however it is split', () => {
  const body = Buffer.from('5\r\nhello\r\nA;x=y\r\n0123456789\r\n0\r\ntrailer: 1\r\n\r\nNEXT');
  const endAt = body.length - 4;
  fc.assert(
    fc.property(fc.array(fc.integer({ min: 1, max: body.length - 1 }), { maxLength: 6 }), (cuts) => {
      const points = [...new Set(cuts)].sort((a, b) => a - b);
      const parts: Buffer[] = [];
      let prev = 0;
      for (const p of [...points, body.length]) {
        parts.push(body.subarray(prev, p));
        prev = p;
      }
      const r = scanAll(parts);
      return r.done && r.consumed === endAt;
    }),
  );
});

test('chunked framing errors are reported', () => {
  assert.equal(scanAll([Buffer.from('z\r\n')]).end, -1);
  assert.equal(scanAll([Buffer.from('2\r\nabX\r\n')]).end, -1);
  assert.equal(scanAll([Buffer.from('2\nab')]).end, -1);
});
