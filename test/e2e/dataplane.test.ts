// The HTTP and TCP data plane end to end: the real binary between real sockets.

import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { freePorts } from '../helpers/ports.js';
import { startSwitchyard, type Running } from '../helpers/switchyard.js';
import { echoBackend, get, rawBackend, rawExchange, statsRow, waitFor } from './dataplane-helpers.js';

const [FE, ST, TCP, A, R, SLOW, DEAD, BAD, WS, TB] = await freePorts(10);
let sy: Running;
let app: Awaited<ReturnType<typeof echoBackend>>;
const raws: { close(): Promise<void> }[] = [];
let bad: Awaited<ReturnType<typeof rawBackend>>;

const BAD_RESPONSES: Record<string, string> = {
  '/bad/cl-te': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n0\r\n\r\n',
  '/bad/two-cl': 'HTTP/1.1 200 OK\r\ncontent-length: 2\r\ncontent-length: 3\r\n\r\nabc',
  '/bad/name': 'HTTP/1.1 200 OK\r\nx bad: 1\r\ncontent-length: 0\r\n\r\n',
  '/bad/fold': 'HTTP/1.1 200 OK\r\nx-a: 1\r\n  folded\r\ncontent-length: 0\r\n\r\n',
  '/bad/status': 'HTTP/1.1 2000 OK\r\ncontent-length: 0\r\n\r\n',
  '/bad/mixed-case': 'HTTP/1.1 200 OK\r\nX-Mixed-Case: a\r\nETag: "1"\r\nContent-Length: 0\r\n\r\n',
};
let lastBadRequest = '';

before(async () => {
  app = await echoBackend(A!);
  raws.push(app);
  // Reset mid-response: part of a head, then RST.
  raws.push(await rawBackend(R!, (s) => s.write('HTTP/1.1 200 OK\r\ncontent-le', () => s.resetAndDestroy())));
  // Never answers.
  raws.push(await rawBackend(SLOW!, () => {}));
  bad = await rawBackend(BAD!, (s, d) => {
    lastBadRequest = d.toString('latin1');
    const path = lastBadRequest.split(' ')[1]!;
    s.end(BAD_RESPONSES[path] ?? 'HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n');
  });
  raws.push(bad);
  // Accepts an upgrade, then echoes upper-cased.
  raws.push(
    await rawBackend(WS!, (s, d) => {
      assert.match(d.toString('latin1'), /upgrade: websocket/i);
      s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
      s.on('data', (x) => s.write(x.toString().toUpperCase()));
    }),
  );
  // TCP echo that answers only after the client's FIN (half-close), then closes its side.
  raws.push(
    await rawBackend(TB!, (s, first) => {
      const parts = [first];
      s.on('data', (d) => parts.push(d));
      s.on('end', () => s.end('got:' + Buffer.concat(parts).toString()));
    }),
  );
  sy = await startSwitchyard(
    `global
    maxconn 1000
defaults
    mode http
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    timeout http-request 1s
frontend web
    bind 127.0.0.1:${FE}
    option forwardfor except 10.0.0.0/8
    http-request set-header X-Set yes
    http-request del-header X-Remove
    http-request deny if { path_beg /forbidden }
    http-response add-header X-Resp added
    use_backend reset if { path_beg /reset }
    use_backend slow if { path_beg /slow }
    use_backend none if { path_beg /none }
    use_backend retry if { path_beg /retry }
    use_backend bad if { path_beg /bad }
    use_backend ws if { path_beg /ws }
    default_backend app
backend app
    server a1 127.0.0.1:${A}
backend reset
    server r1 127.0.0.1:${R}
backend slow
    timeout server 500ms
    server s1 127.0.0.1:${SLOW}
backend none
    server n1 127.0.0.1:${A} disabled
backend retry
    balance first
    retries 2
    option redispatch
    server dead 127.0.0.1:${DEAD}
    server live 127.0.0.1:${A}
backend bad
    server b1 127.0.0.1:${BAD}
backend ws
    server w1 127.0.0.1:${WS}
listen stats
    bind 127.0.0.1:${ST}
    stats enable
    stats uri /stats
frontend tcpfe
    bind 127.0.0.1:${TCP}
    mode tcp
    default_backend tcpbe
backend tcpbe
    mode tcp
    server t1 127.0.0.1:${TB}
`,
    [FE!, ST!, TCP!],
  );
});

after(async () => {
  await sy?.stop();
  await Promise.all(raws.map((r) => r.close()));
});

test('forwards a request and its response, with forwardfor and header rules', async () => {
  const res = await get(FE!, '/hello?x=1', { 'X-Remove': 'gone', 'X-Keep': 'kept' });
  assert.equal(res.status, 200);
  assert.equal(res.headers['x-resp'], 'added');
  const seen = JSON.parse(res.body);
  assert.equal(seen.url, '/hello?x=1');
  assert.equal(seen.headers['x-forwarded-for'], '127.0.0.1');
  assert.equal(seen.headers['x-set'], 'yes');
  assert.equal(seen.headers['x-keep'], 'kept');
  assert.equal(seen.headers['x-remove'], undefined);
});

// The server side stays keep-alive though the client closes: HAProxy 2.6 sends no Connection header either.
test('header names travel in lower case both ways, as HAProxy 2.6 sends them', async () => {
  const out = await rawExchange(FE!, 'GET /bad/mixed-case HTTP/1.1\r\nHost: x\r\nX-Custom-Thing: 1\r\nUser-Agent: t\r\nConnection: close\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 200 OK\r\nx-mixed-case: a\r\netag: "1"\r\ncontent-length: 0\r\nx-resp: added\r\nconnection: close\r\n\r\n$/);
  assert.equal(
    lastBadRequest,
    'GET /bad/mixed-case HTTP/1.1\r\nhost: x\r\nx-custom-thing: 1\r\nuser-agent: t\r\nx-set: yes\r\nx-forwarded-for: 127.0.0.1\r\n\r\n',
  );
});

test('http-request deny answers 403 and counts dreq', async () => {
  const before = Number((await statsRow(ST!, 'web', 'FRONTEND')).dreq);
  const res = await get(FE!, '/forbidden');
  assert.equal(res.status, 403);
  assert.match(res.body, /403 Forbidden/);
  assert.equal(Number((await statsRow(ST!, 'web', 'FRONTEND')).dreq), before + 1);
});

// Heads let go of their headers once the response head is out; nothing may carry over.
test('header rules apply once per request on a keep-alive connection', async () => {
  const s = net.connect(FE!, '127.0.0.1');
  let got = '';
  s.on('data', (d) => (got += d));
  for (let i = 0; i < 3; i++) {
    s.write(`GET /rules/${i} HTTP/1.1\r\nhost: x\r\nx-n: ${i}\r\n\r\n`);
    await waitFor(() => (got.match(/HTTP\/1\.1 200/g) ?? []).length === i + 1 && got.endsWith('}'), `response ${i}`);
  }
  s.destroy();
  const responses = got.split('HTTP/1.1 200 OK').slice(1);
  assert.equal(responses.length, 3);
  responses.forEach((r, i) => {
    assert.equal(r.match(/\r\nx-resp: added\r\n/g)?.length, 1, r);
    const seen = JSON.parse(r.slice(r.indexOf('\r\n\r\n') + 4));
    assert.equal(seen.url, `/rules/${i}`);
    assert.equal(seen.headers['x-n'], String(i));
    assert.equal(seen.headers['x-set'], 'yes');
  });
});

test('keep-alive reuses one upstream connection for many requests', async () => {
  const conns = app.connections();
  const s = net.connect(FE!, '127.0.0.1');
  let got = '';
  s.on('data', (d) => (got += d));
  for (let i = 0; i < 20; i++) {
    s.write(`GET /ka/${i} HTTP/1.1\r\nhost: x\r\n\r\n`);
    await waitFor(() => (got.match(/HTTP\/1\.1 200/g) ?? []).length === i + 1, `response ${i}`);
  }
  s.destroy();
  assert.ok(app.connections() - conns <= 1, `backend saw ${app.connections() - conns} new connections for 20 requests`);
});

test('pipelined requests are answered in order', async () => {
  const out = await rawExchange(FE!, 'GET /p1 HTTP/1.1\r\nhost: x\r\n\r\nGET /p2 HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n');
  const i1 = out.indexOf('"url":"/p1"');
  const i2 = out.indexOf('"url":"/p2"');
  assert.ok(i1 > 0 && i2 > i1, out);
});

test('a malformed request gets 400 and a close while another client is untouched', async () => {
  const other = net.connect(FE!, '127.0.0.1');
  let otherGot = '';
  other.on('data', (d) => (otherGot += d));
  other.write('GET /first HTTP/1.1\r\nhost: x\r\n\r\n');
  await waitFor(() => otherGot.includes('/first'), 'first response');
  const out = await rawExchange(FE!, 'GET /x HTTP/1.1\r\nbad header\r\n\r\n');
  assert.match(out, /^HTTP\/1\.1 400 Bad request\r\n/);
  assert.match(out, /Your browser sent an invalid request/);
  other.write('GET /second HTTP/1.1\r\nhost: x\r\n\r\n');
  await waitFor(() => otherGot.includes('/second'), 'second response on the untouched connection');
  other.destroy();
});

test('a backend that resets mid-response gives 502 and counts eresp', async () => {
  const before = Number((await statsRow(ST!, 'reset', 'BACKEND')).eresp);
  const res = await get(FE!, '/reset');
  assert.equal(res.status, 502);
  assert.match(res.body, /502 Bad Gateway/);
  // HAProxy 2.6 counts a reset that ends in a 502 twice (response analyser, server error); Node
  // reports a reset right behind data as a plain close, which counts once.
  const be = Number((await statsRow(ST!, 'reset', 'BACKEND')).eresp);
  assert.ok(be === before + 1 || be === before + 2, `eresp ${be} after ${before}`);
  assert.equal(Number((await statsRow(ST!, 'reset', 'r1')).eresp), be);
});

test('timeout server gives 504', async () => {
  const res = await get(FE!, '/slow');
  assert.equal(res.status, 504);
  assert.match(res.body, /504 Gateway Time-out/);
});

test('no usable server gives HAProxy\'s 503 page', async () => {
  const out = await rawExchange(FE!, 'GET /none HTTP/1.1\r\nhost: x\r\n\r\n');
  assert.equal(
    out,
    'HTTP/1.1 503 Service Unavailable\r\ncontent-length: 107\r\ncache-control: no-cache\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n' +
      '<html><body><h1>503 Service Unavailable</h1>\nNo server is available to handle this request.\n</body></html>\n',
  );
});

test('an incomplete request head times out with 408 (timeout http-request)', async () => {
  const out = await rawExchange(FE!, 'GET /slowloris HTTP/1.1\r\nhost: x\r\n');
  assert.match(out, /^HTTP\/1\.1 408 Request Time-out/);
});

test('a refused connection is retried and redispatched to another server', async () => {
  const res = await get(FE!, '/retry');
  assert.equal(res.status, 200);
  assert.equal(JSON.parse(res.body).port, A);
  const be = await statsRow(ST!, 'retry', 'BACKEND');
  assert.ok(Number(be.wredis) >= 1, `wredis ${be.wredis}`);
  // As HAProxy: econ counts requests that never got a connection, so a redispatched success adds none.
  assert.equal(Number(be.econ), 0, `econ ${be.econ}`);
});

for (const [path, what] of [
  ['/bad/two-cl', 'two different Content-Lengths'],
  ['/bad/name', 'an invalid header name'],
  ['/bad/fold', 'obsolete line folding'],
  ['/bad/status', 'an invalid status line'],
] as const) {
  test(`a response with ${what} gives 502`, async () => {
    const res = await get(FE!, path);
    assert.equal(res.status, 502);
  });
}

test('WebSocket upgrade becomes a tunnel', async () => {
  const s = net.connect(FE!, '127.0.0.1');
  let got = '';
  s.on('data', (d) => (got += d));
  s.write('GET /ws HTTP/1.1\r\nhost: x\r\nupgrade: websocket\r\nconnection: upgrade\r\n\r\n');
  await waitFor(() => got.includes('\r\n\r\n'), 'upgrade response');
  assert.match(got, /^HTTP\/1\.1 101 Switching Protocols/);
  s.write('ping');
  await waitFor(() => got.endsWith('PING'), 'echo through the tunnel');
  s.destroy();
});

test('tcp mode carries a half-close: the reply after the client FIN arrives', async () => {
  const out = await rawExchange(TCP!, 'hello tcp', { endAfterWrite: true });
  assert.equal(out, 'got:hello tcp');
});

test('Expect: 100-continue: the interim response is relayed, then the body flows', async () => {
  const s = net.connect(FE!, '127.0.0.1');
  let got = '';
  s.on('data', (d) => (got += d));
  s.write('POST /expect HTTP/1.1\r\nhost: x\r\ncontent-length: 5\r\nexpect: 100-continue\r\n\r\n');
  await waitFor(() => got.includes('100 Continue'), 'the interim 100');
  s.write('hello');
  await waitFor(() => got.includes('"bodyBytes":5'), 'the final response');
  assert.match(got, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
  s.destroy();
});

test('a response with both Content-Length and Transfer-Encoding is relayed chunked, without the length', async () => {
  const res = await get(FE!, '/bad/cl-te');
  assert.equal(res.status, 200);
  assert.equal(res.headers['content-length'], undefined);
  assert.equal(res.headers['transfer-encoding'], 'chunked');
  assert.equal(res.body, '');
});
